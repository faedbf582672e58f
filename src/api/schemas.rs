//! The `components.schemas` of the OpenAPI document: the exact shapes `views.rs` and
//! `check.rs` write (objects are closed with `additionalProperties: false`, so a field
//! added on one side and not the other fails the schema test).

use serde_json::{json, Map, Value};

use super::schema_kit::*;

const RESULTS: [&str; 5] = ["up", "degraded", "down", "unknown", "maintenance"];
const STATES: [&str; 3] = ["up", "degraded", "down"];
const CONNECTIONS: [&str; 3] = ["connected", "disconnected", "unregistered"];
const MANDATES: [&str; 3] = ["met", "partial", "none"];
const AGENCY_KINDS: [&str; 5] = [
    "ministry",
    "ministerial_agency",
    "government_agency",
    "province",
    "city",
];
const LEAGUES: [&str; 2] = ["ministries", "provinces"];
const ERROR_KINDS: [&str; 13] = [
    "dns", "connect", "tls", "timeout", "http", "status", "body", "header", "json", "cert",
    "too_slow", "vantage", "browser",
];

pub fn all() -> Map<String, Value> {
    let result_brief = json!({
        "at": time(),
        "result": one_of(&RESULTS),
        "error_kind": nullable(one_of(&ERROR_KINDS)),
        "status_code": nullable(json!({"type": "integer", "minimum": 100, "maximum": 599})),
        "duration_seconds": seconds(),
    });
    let mut result_full = result_brief.clone();
    result_full["phases"] = reference("Phases");
    result_full["cert_expiry"] = nullable(time());
    result_full["message"] = nullable(string());
    result_full["page"] = nullable_ref("PageFigures");
    let mut stored = result_brief.clone();
    stored["message"] = nullable(string());
    let mut schemas = json!({
        "Error": {
            "type": "object",
            "required": ["error"],
            "additionalProperties": false,
            "properties": {"error": {
                "type": "object",
                "required": ["code", "message"],
                "additionalProperties": false,
                "properties": {
                    "code": string(),
                    "message": string(),
                    "details": array(string()),
                },
            }},
        },
        "Status": object(json!({
            "generated_at": time(),
            "totals": object(json!({
                "agencies": count(),
                "checks": object(json!({"total": count(), "up": count(), "degraded": count(), "down": count()})),
                "systems": object(json!({"total": count(), "connected": count(), "disconnected": count(), "unregistered": count()})),
                "alerts": object(json!({"firing": count()})),
            })),
            "measurement": object(json!({
                "vantage": string(), "impaired": boolean(), "impaired_since": nullable(time()),
            })),
            "agencies": array(reference("AgencyRow")),
        })),
        "AgencyRow": object(json!({
            "id": string(), "code": string(), "name": string(), "kind": one_of(&AGENCY_KINDS),
            "league": one_of(&LEAGUES), "rank": rank(),
            "required": count(), "connected": count(), "disconnected": count(), "unregistered": count(),
            "ratio": ratio(), "mandate": one_of(&MANDATES), "checks": count(), "checks_down": count(),
        })),
        "Agencies": object(json!({"generated_at": time(), "agencies": array(reference("Agency"))})),
        "Agency": object(json!({
            "id": string(), "code": string(), "name": string(), "kind": one_of(&AGENCY_KINDS),
            "connection": object(json!({
                "required": count(), "connected": count(), "disconnected": count(), "unregistered": count(),
                "ratio": ratio(), "mandate": one_of(&MANDATES),
            })),
            "systems": array(reference("System")),
        })),
        "System": object(json!({
            "id": string(), "name": string(), "kind": one_of(&["tthc", "portal", "other"]),
            "required": boolean(), "connection": one_of(&CONNECTIONS),
            "checks": array(reference("CheckSummary")),
        })),
        "CheckSummary": object(json!({
            "id": string(), "full_id": string(), "kind": one_of(&["http", "tcp", "push", "browser"]),
            "state": one_of(&STATES), "last_result": nullable_ref("ResultBrief"),
        })),
        "ResultBrief": object(result_brief),
        "LastResult": object(result_full),
        "StoredResult": object(stored),
        "Phases": object(json!({
            "resolve": seconds(), "connect": seconds(), "tls": seconds(), "processing": seconds(), "transfer": seconds(),
        })),
        "Check": object(json!({
            "id": string(),
            "agency": object(json!({"id": string(), "name": nullable(string())})),
            "system": object(json!({"id": string(), "name": nullable(string())})),
            "check": string(),
            "kind": one_of(&["http", "tcp", "push", "browser"]),
            "config": reference("CheckConfig"),
            "state": object(json!({"status": one_of(&STATES), "down_streak": count(), "ok_streak": count(), "degraded_streak": count()})),
            "last_result": nullable_ref("LastResult"),
            "last_ok_at": nullable(time()),
            "last_push_at": nullable(time()),
            "page_p75": nullable_ref("PageP75"),
            "cert_expiry": nullable(object(json!({"at": time(), "days_left": {"type": "number"}}))),
            "counters": object(json!({"up": count(), "degraded": count(), "down": count(), "unknown": count(), "maintenance": count()})),
            "availability": object(json!({
                "policy": one_of(&["emcd-sla-v1"]),
                "exclude_maintenance": boolean(),
                "max_result_seconds": count(),
                "windows": object(json!({
                    "1h": reference("Window"), "24h": reference("Window"), "7d": reference("Window"), "30d": reference("Window"),
                })),
            })),
        })),
        "Window": object(json!({
            "from": time(), "to": time(), "ratio": nullable(ratio()),
            "up_seconds": count(), "degraded_seconds": count(), "down_seconds": count(),
            "maintenance_seconds": count(), "unknown_seconds": count(),
        })),
        "CheckConfig": object(json!({
            "interval_seconds": seconds(), "timeout_seconds": seconds(),
            "failure_threshold": count(), "success_threshold": count(),
            "degraded_after_seconds": seconds(), "slo_availability": {"type": "number"},
            "cert_min_days": count(),
            "http": nullable_ref("HttpConfig"),
            "tcp": nullable(object(json!({"host": string(), "port": {"type": "integer", "minimum": 0, "maximum": 65535}, "tls": boolean(), "insecure_skip_verify": boolean()}))),
            "push": nullable(object(json!({"max_silence_seconds": seconds()}))),
            "browser": nullable_ref("BrowserConfig"),
        })),
        "BrowserConfig": super::page::config_schema(),
        "PageFigures": super::page::figures_schema(),
        "PageP75": super::page::p75_schema(),
        "HttpConfig": object(json!({
            "url": string(), "method": string(), "header_names": array(string()), "has_body": boolean(),
            "follow_redirects": boolean(), "insecure_skip_verify": boolean(),
            "expect": object(json!({
                "status": array(json!({"type": "string", "pattern": "^[0-9]{3}(-[0-9]{3})?$"})),
                "body_contains": nullable(string()),
                "body_not_contains": nullable(string()),
                "body_regex": nullable(string()),
                "headers": {"type": "object", "additionalProperties": string()},
                "json": array(object(json!({"path": string(), "equals": {}}))),
                "max_response_time_seconds": nullable(seconds()),
            })),
        })),
        "Results": object(json!({
            "check": string(), "vantage": nullable(string()),
            "from": nullable(time()), "to": nullable(time()),
            "limit": {"type": "integer", "minimum": 1, "maximum": 10000},
            "count": count(),
            "results": array(reference("StoredResult")),
        })),
        "PushBody": {
            "type": "object",
            "additionalProperties": false,
            // null is the same as leaving the field out (up, 0 s, no message).
            "properties": {
                "status": nullable(one_of(&["up", "down"])),
                "duration_seconds": nullable(json!({
                    "type": "number", "minimum": 0,
                    "maximum": crate::api::push::body::MAX_DURATION_SECONDS,
                })),
                // Any length fits the 64 KiB body; over 1 KiB it is stored cut.
                "message": nullable(string()),
            },
        },
        "PushAccepted": object(json!({"status": one_of(&["accepted"]), "check": string()})),
        "Reloaded": object(json!({
            "status": one_of(&["reloaded"]),
            "checks": object(json!({"added": count(), "removed": count(), "changed": count(), "unchanged": count()})),
        })),
        "ReloadWaiting": object(json!({
            "status": one_of(&["waiting"]),
            "message": string(),
        })),
    });
    super::indicators::schema::schemas(schemas.as_object_mut().expect("an object"));
    super::maintenance::schema::schemas(schemas.as_object_mut().expect("an object"));
    schemas["ComplianceReport"] = compliance_report();
    schemas["Scorecard"] = scorecard();
    schemas["ReportPolicy"] = object(json!({
        "name": one_of(&["emcd-sla-v1"]), "availability": string(), "result_stands_for": string(),
        "unknown": string(), "exclude_maintenance": boolean(), "timezone": string(), "percentiles": string(),
    }));
    match schemas {
        Value::Object(m) => m,
        _ => unreachable!("a JSON object literal"),
    }
}

/// `GET /api/v1/reports/compliance` as JSON (`report::compliance::ComplianceReport`).
fn compliance_report() -> Value {
    let system = object(json!({
        "system": string(), "name": string(),
        "connected_seconds": seconds(), "not_connected_seconds": seconds(), "unknown_seconds": seconds(),
        "share": nullable(ratio()),
    }));
    let agency = object(json!({
        "rank": rank(), "league": one_of(&LEAGUES),
        "agency": string(), "name": string(), "kind": one_of(&AGENCY_KINDS),
        "required": count(), "connected": count(), "disconnected": count(), "unregistered": count(),
        "ratio": ratio(), "connection": nullable(ratio()), "availability": nullable(ratio()),
        "systems": array(system),
        "note": nullable(string()),
    }));
    object(json!({
        "report": one_of(&["compliance"]),
        "policy": reference("ReportPolicy"),
        "mode": one_of(&["snapshot", "period"]),
        "ranked_by": string(),
        "connection_rule": nullable(string()),
        "at": {"type": "integer"},
        "connection_window_seconds": count(),
        "period": object(json!({"from": {"type": "integer"}, "to": {"type": "integer"}})),
        "period_local": {"type": "array", "items": {"type": "string", "format": "date"}, "minItems": 2, "maxItems": 2},
        "agencies": array(agency),
    }))
}

/// `GET /api/v1/reports/scorecard` as JSON (`report::scorecard::Scorecard`).
fn scorecard() -> Value {
    let part = object(json!({
        "value": nullable(json!({"type": "number", "minimum": 0})),
        "threshold": {"type": "number", "minimum": 0},
        "max": {"type": "integer", "minimum": 0, "maximum": 100},
        "points": {"type": "number", "minimum": 0, "maximum": 100},
    }));
    let points = json!({"type": "integer", "minimum": 0, "maximum": 100});
    let policy = object(json!({
        "name": one_of(&["emcd-score-v1"]),
        "weights": object(json!({"connection": points, "availability": points, "response_time": points, "indicators": points})),
        "grades": object(json!({"A": points, "B": points, "C": points, "D": points})),
        "rule": string(), "connection": string(), "availability": string(),
        "response_time": string(), "page_load": string(), "no_data": string(),
        "indicators": super::indicators::schema::scorecard_policy(),
        "not_scored": array(string()),
        "measurement": reference("ReportPolicy"),
    }));
    let ms = json!({"type": "number", "minimum": 0});
    let figures_ms = object(json!({"fcp": ms, "lcp": ms, "speed_index": ms, "tbt": ms}));
    let share = json!({"type": "number", "minimum": 0, "maximum": 1});
    let page_load = object(json!({
        "checks": array(object(json!({
            "check": string(), "loads": count(),
            "p75_ms": figures_ms, "threshold_ms": figures_ms, "share": share,
        }))),
        "share": share,
    }));
    let agency = object(json!({
        "rank": rank(), "league": one_of(&LEAGUES),
        "agency": string(), "name": string(), "kind": one_of(&AGENCY_KINDS),
        "connection": part, "availability": part, "response_time": part,
        "page_load": nullable(page_load),
        "indicators": super::indicators::schema::scorecard_part(),
        "total": {"type": "number", "minimum": 0, "maximum": 100},
        "grade": one_of(&["A", "B", "C", "D", "E"]),
        "note": nullable(string()),
    }));
    object(json!({
        "report": one_of(&["scorecard"]),
        "policy": policy,
        "period": object(json!({"from": {"type": "integer"}, "to": {"type": "integer"}})),
        "period_local": {"type": "array", "items": {"type": "string", "format": "date"}, "minItems": 2, "maxItems": 2},
        "agencies": array(agency),
    }))
}
