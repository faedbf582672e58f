//! `GET /api/v1/openapi.json`: an OpenAPI 3.0 description of every route the server
//! has (API, push, reload, health, metrics and the status page), precise enough for a
//! schema-based fuzzer to validate responses. Parameter examples are taken from the
//! running config, so "try it" tools and fuzzers reach real checks.

use serde_json::{json, Value};

use super::schemas;
use crate::config::{CheckKind, SystemKind};
use crate::fleet::Fleet;

fn content(name: &str) -> Value {
    json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{name}")}}})
}

fn response(description: &str, schema: &str) -> Value {
    json!({"description": description, "content": content(schema)})
}

fn error(description: &str) -> Value {
    response(description, "Error")
}

fn html(description: &str) -> Value {
    json!({"description": description, "content": {"text/html": {"schema": {"type": "string"}}}})
}

fn plain(description: &str) -> Value {
    json!({"description": description, "content": {"text/plain": {"schema": {"type": "string"}}}})
}

/// A path parameter holding an id of the config (`[a-z0-9-]{1,63}`).
fn id_param(name: &str, what: &str, example: Option<&str>) -> Value {
    let mut p = json!({
        "name": name,
        "in": "path",
        "required": true,
        "description": format!("The {what}'s id."),
        "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,63}$"},
    });
    if let Some(e) = example {
        p["example"] = json!(e);
    }
    p
}

fn get(summary: &str, params: Vec<Value>, responses: Value) -> Value {
    json!({"get": {"summary": summary, "parameters": params, "responses": responses}})
}

/// An optional query parameter taking one of `values`.
fn query_enum(name: &str, values: &[&str], example: &str) -> Value {
    json!({"name": name, "in": "query", "required": false,
           "schema": {"type": "string", "enum": values}, "example": example})
}

/// A `from`/`to` query parameter: a date (YYYY-MM-DD) or an RFC 3339 time, both with a
/// four-digit year (the store's times run from year 0000 to 9999).
fn time_bound(name: &str, description: &str) -> Value {
    let date =
        json!({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"});
    let time =
        json!({"type": "string", "format": "date-time", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T"});
    json!({"name": name, "in": "query", "required": false, "description": description,
           "schema": {"anyOf": [date, time]}})
}

/// Period, agency and format of the report routes.
fn report_params(agency: Option<&str>) -> Vec<Value> {
    let mut agency_param = json!({"name": "agency", "in": "query", "required": false,
        "description": "Only this agency (ranked among all): one of the config, running or past its valid_to, or one whose file was removed and whose name the store keeps", "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,63}$"}});
    if let Some(a) = agency {
        agency_param["example"] = json!(a);
    }
    let bound = |name: &str, description: &str, example: &str| {
        let mut param = time_bound(name, description);
        param["example"] = json!(example);
        param
    };
    vec![
        json!({"name": "month", "in": "query", "required": false,
               "description": "A calendar month in sla.timezone; it gives the bounds from/to do not (default: the current month)",
               "schema": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"}, "example": "2026-11"}),
        bound("from", "Start: a date (YYYY-MM-DD, in sla.timezone) or RFC 3339", "2026-11-01"),
        bound("to", "End: a date (included) or RFC 3339 (excluded); an end before the start is an empty period", "2026-11-30"),
        agency_param,
        query_enum("format", &["json", "csv"], "json"),
    ]
}

/// `schema`: a component's name, or `None` for an object stating its report, policy
/// and period.
fn report_responses(schema: Option<&str>) -> Value {
    let schema = match schema {
        Some(name) => json!({"$ref": format!("#/components/schemas/{name}")}),
        None => json!({"type": "object", "required": ["report", "policy", "period"]}),
    };
    json!({
        "200": {"description": "The report (JSON states its policy and period; CSV has them in every row)",
                "content": {"application/json": {"schema": schema},
                            "text/csv": {"schema": {"type": "string"}}}},
        "400": error("Bad period or format"),
        "404": error("Unknown agency"),
        "500": error("The database could not be read"),
    })
}

/// Ids of the config to use as parameter examples.
struct Examples<'a> {
    agency: Option<&'a str>,
    /// An agency that may push indicators, and one of its procedure systems.
    indicators: Option<(&'a str, Option<&'a str>)>,
    check: Option<[&'a str; 3]>,
    push: Option<[&'a str; 3]>,
}

impl<'a> Examples<'a> {
    fn of(fleet: &'a Fleet) -> Examples<'a> {
        let ids = |c: &'a crate::fleet::CheckRuntime| [&*c.agency, &*c.system, &*c.check];
        Examples {
            agency: fleet.config.agencies.first().map(|a| a.id.as_str()),
            indicators: fleet
                .config
                .agencies
                .iter()
                .find(|a| a.indicators_token.is_some())
                .map(|a| {
                    let tthc = a.systems.iter().find(|s| s.kind == SystemKind::Tthc);
                    (a.id.as_str(), tthc.map(|s| s.id.as_str()))
                }),
            check: fleet.checks.first().map(|c| ids(c)),
            push: fleet
                .checks
                .iter()
                .find(|c| matches!(c.config.kind, CheckKind::Push(_)))
                .map(|c| ids(c)),
        }
    }
}

fn check_params(ids: Option<[&str; 3]>) -> Vec<Value> {
    vec![
        id_param("agency", "agency", ids.map(|i| i[0])),
        id_param("system", "system", ids.map(|i| i[1])),
        id_param("check", "check", ids.map(|i| i[2])),
    ]
}

pub fn document(fleet: &Fleet) -> Value {
    let ex = Examples::of(fleet);
    let agency = || vec![id_param("agency", "agency", ex.agency)];
    let not_found = || error("Unknown agency, system or check");
    let store_error = || error("The database could not be read");
    let bound = |name: &str, what: &str| {
        let what = format!(
            "{what}: an RFC 3339 time, or a date (YYYY-MM-DD) taken as a day in sla.timezone."
        );
        time_bound(name, &what)
    };
    let mut results_params = check_params(ex.check);
    results_params.push(bound(
        "from",
        "Oldest result time, inclusive (a date: from the start of that day)",
    ));
    results_params.push(bound(
        "to",
        "Newest result time, inclusive (a date: to the end of that day)",
    ));
    results_params.push(json!({
        "name": "limit", "in": "query", "required": false,
        "description": "Most results returned, newest first.",
        "schema": {"type": "integer", "minimum": 1, "maximum": 10000, "default": 100},
    }));
    results_params.push(json!({
        "name": "vantage", "in": "query", "required": false,
        "description": "The results measured from this vantage (one of the check's); \
                        without it, the check's timeline: its verdicts.",
        "schema": {"type": "string", "pattern": "^[a-z0-9-]{1,63}$"},
    }));
    let mut rate_limited = error(&format!(
        "More than {} pushes a second for this check (bursts of {}); nothing was stored",
        crate::api::push::gate::RATE_PER_SECOND,
        crate::api::push::gate::BURST
    ));
    rate_limited["headers"] = json!({"Retry-After": {
        "description": "Seconds until a push of this check is accepted again",
        "required": true,
        "schema": {"type": "integer", "minimum": 1},
    }});
    let mut push_op = json!({
        "summary": "A heartbeat of a push check (Authorization: Bearer TOKEN)",
        "description": "Rate-limited per check; a message over 1 KiB is stored cut, ending in \"… [truncated]\".",
        "parameters": check_params(ex.push),
        "requestBody": {"required": false, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PushBody"}}}},
        "responses": {
            "202": response("Accepted", "PushAccepted"),
            "400": error("Malformed body, or duration_seconds outside 0 to 86400 (the message names the field and quotes the value)"),
            "401": error("Missing or wrong bearer token"),
            "404": error("No push check with this id"),
            "413": error("Body over 64 KiB"),
            "429": rate_limited,
            "503": error("emcd is shutting down"),
        },
    });
    push_op["security"] = json!([{"bearer": []}]);
    let (maintenance, maintenance_one) =
        super::maintenance::schema::paths(ex.agency, crate::util::unix_now());
    let lang = json!({"name": "lang", "in": "query", "required": false,
        "description": "The language: vi or en; without it (or with another value) Accept-Language, then server.language",
        "schema": {"type": "string"}, "example": "vi"});
    let svg = |d: &str| {
        json!({"description": d, "headers": {
            "ETag": {"description": "Of the body; send it back in If-None-Match", "schema": {"type": "string"}},
            "Cache-Control": {"description": "max-age=60", "schema": {"type": "string"}},
        }, "content": {"image/svg+xml": {"schema": {"type": "string"}}}})
    };
    let badge = |params: Vec<Value>, what: &str| {
        get(
            &format!("Badge of {what}: its state and availability over 30 days, as SVG"),
            params,
            json!({
                "200": svg("The badge"),
                "304": {"description": "Not modified: If-None-Match names the current ETag"},
                "404": error("Unknown agency or system"),
            }),
        )
    };
    let mut badge_agency = agency();
    badge_agency.push(lang.clone());
    let mut badge_system = agency();
    badge_system.push(id_param("system", "system", ex.check.map(|c| c[1])));
    badge_system.push(lang.clone());
    let mut agency_page = agency();
    agency_page.push(lang.clone());
    let paths = json!({
        "/badge/{agency}.svg": badge(badge_agency, "an agency"),
        "/badge/{agency}/{system}.svg": badge(badge_system, "one system of an agency"),
        "/api/v1/maintenance": maintenance,
        "/api/v1/maintenance/{id}": maintenance_one,
        "/healthz": get("Liveness", vec![], json!({"200": plain("The process runs")})),
        "/readyz": get("Readiness", vec![], json!({
            "200": plain("Config loaded, store open, scheduler running"),
            "503": plain("Not ready"),
        })),
        "/metrics": get("Prometheus metrics", vec![], json!({"200": {
            "description": "Prometheus text 0.0.4, or OpenMetrics when asked for",
            "content": {
                "text/plain": {"schema": {"type": "string"}},
                "application/openmetrics-text": {"schema": {"type": "string"}},
            },
        }})),
        "/api/v1/status": get("Totals and one row per agency", vec![], json!({
            "200": response("Status", "Status"),
            "500": store_error(),
        })),
        "/api/v1/agencies": get("Every agency with its systems and checks", vec![], json!({
            "200": response("Agencies", "Agencies"),
        })),
        "/api/v1/agencies/{agency}": get("One agency with its systems and checks", agency(), json!({
            "200": response("The agency", "Agency"),
            "404": error("Unknown agency"),
        })),
        "/api/v1/checks/{agency}/{system}/{check}": get(
            "A check: config (without secrets), state, last result, availability",
            check_params(ex.check),
            json!({"200": response("The check", "Check"), "404": not_found(), "500": store_error()}),
        ),
        "/api/v1/checks/{agency}/{system}/{check}/results": get(
            "Raw results of a check, newest first",
            results_params,
            json!({
                "200": response("Results", "Results"),
                "400": error("Bad from, to or limit"),
                "404": error("Unknown agency, system or check, or a vantage that does not probe it"),
                "500": store_error(),
            }),
        ),
        "/api/v1/push/{agency}/{system}/{check}": {"post": push_op},
        "/api/v1/indicators/{agency}": super::indicators::schema::path(
            id_param("agency", "agency", ex.indicators.map(|i| i.0).or(ex.agency)),
            ex.indicators.and_then(|i| i.1),
            // The current month: an example push that is valid now.
            &crate::sla::time::date_text(fleet.config.sla.timezone, crate::util::unix_now())[..7],
        ),
        "/-/reload": {"post": {
            "summary": "Reload the config (Authorization: Bearer server.admin_token)",
            "security": [{"bearer": []}],
            "responses": {
                "200": response("Reloaded", "Reloaded"),
                "202": response("A cluster's leader adopts the new config once every live node runs it", "ReloadWaiting"),
                "400": error("The new config is invalid; the running one is kept (details lists the errors)"),
                "401": error("Missing or wrong admin token"),
                "403": error("No admin token configured: reload over HTTP is disabled"),
                "500": error("The reload failed"),
            },
        }},
        "/api/v1/alerts": get("Alerts, newest first", vec![query_enum("state", &["firing", "all"], "firing")], json!({
            "200": {"description": "Alerts", "content": {"application/json": {"schema": {
                "type": "object", "required": ["alerts"],
                "properties": {"alerts": {"type": "array", "items": {"type": "object"}}},
            }}}},
            "400": error("Bad state"),
            "500": store_error(),
        })),
        "/api/v1/notifications": get("The notification outbox, newest first", vec![query_enum("state", &["pending", "dead", "delivered"], "dead")], json!({
            "200": {"description": "Notifications", "content": {"application/json": {"schema": {
                "type": "object", "required": ["notifications"],
                "properties": {"notifications": {"type": "array", "items": {"type": "object"}}},
            }}}},
            "400": error("Bad state"),
            "500": store_error(),
        })),
        "/api/v1/reports/sla": get("SLA report per check, system and agency (policy emcd-sla-v1)", report_params(ex.agency), report_responses(None)),
        "/api/v1/reports/compliance": get("Compliance with the connection mandate, ranked in two leagues (ministries, provinces; ties share a rank): over the period given by month/from/to (the share of it each required system was connected), or without them the snapshot of now", report_params(ex.agency), report_responses(Some("ComplianceReport"))),
        "/api/v1/reports/scorecard": get("Scorecard per agency (policy emcd-score-v1): points for connection, availability against the SLO, p95 against degraded_after and the indicators the agency pushed, weighted by scoring.weights; total out of 100, grade A to E by scoring.grades, rank in its league", report_params(ex.agency), report_responses(Some("Scorecard"))),
        "/api/v1/openapi.json": get("This document", vec![], json!({"200": {
            "description": "OpenAPI 3.0 document",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }})),
        "/": get("Status page: every agency, the problems first (Vietnamese or English)", vec![lang], json!({"200": html("Status page")})),
        "/agencies/{agency}": get("Status page of one agency (Vietnamese or English)", agency_page, json!({
            "200": html("The agency's systems, checks and 90 daily availability bars"),
            "404": html("Unknown agency"),
        })),
    });
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "emcd",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Service-level measurement of public-service systems. Times are RFC 3339 in UTC; errors are {\"error\": {\"code\", \"message\"}}.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas::all(),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    })
}
