//! The indicators' part of the OpenAPI document: the route (`POST` and `GET`), the
//! closed schemas of its body and answers, and the indicators part of the scorecard
//! (`report::indicators`). What a schema cannot say (on time + late within received, a
//! month not in the future, a system of the agency) is a documented 400.

use serde_json::{json, Map, Value};

use super::body::{MAX_COUNT, MAX_SATISFACTION};
use crate::api::schema_kit::{array, count, nullable, object, ratio, reference, string, time};

/// A calendar month, `YYYY-MM`.
pub const MONTH_PATTERN: &str = "^[0-9]{4}-(0[1-9]|1[0-2])$";

fn month() -> Value {
    json!({"type": "string", "pattern": MONTH_PATTERN})
}

fn counter() -> Value {
    json!({"type": "integer", "minimum": 0, "maximum": MAX_COUNT})
}

fn satisfaction() -> Value {
    json!({"type": "number", "minimum": 0, "maximum": MAX_SATISFACTION})
}

fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": reference("Error")}}})
}

fn answer(description: &str, schema: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": reference(schema)}}})
}

/// `/api/v1/indicators/{agency}`; `agency` is its path parameter, `system` an example
/// system id and `month` an example month.
pub fn path(agency: Value, system: Option<&str>, month_example: &str) -> Value {
    let mut body = json!({"schema": reference("IndicatorsPush")});
    if let Some(s) = system {
        let entry = json!({
            "system": s, "received": 1200, "resolved_on_time": 1100, "resolved_late": 60,
            "submitted_online": 900, "paid_online": 400, "satisfaction": 92.5,
        });
        body["example"] = json!({"month": month_example, "systems": [entry]});
    }
    let mut rate_limited = error(&format!(
        "More than {} pushes a second of this agency's indicators (bursts of {}); nothing was stored",
        crate::api::push::gate::RATE_PER_SECOND,
        crate::api::push::gate::BURST
    ));
    rate_limited["headers"] = json!({"Retry-After": {
        "description": "Seconds until a push is accepted again",
        "required": true,
        "schema": {"type": "integer", "minimum": 1},
    }});
    let month_param = json!({
        "name": "month", "in": "query", "required": false,
        "description": "Only this month (YYYY-MM, in sla.timezone); without it every month stored",
        "schema": month(), "example": month_example,
    });
    json!({
        "post": {
            "summary": "The monthly counters of the agency's procedure systems (Authorization: Bearer indicators_token)",
            "description": "Stored with the time received; a later push of the same month and system becomes the current one, the earlier stays in the history. Answered once committed.",
            "security": [{"bearer": []}],
            "parameters": [agency.clone()],
            "requestBody": {"required": true, "content": {"application/json": body}},
            "responses": {
                "201": answer("Stored", "IndicatorsStored"),
                "400": error("A rule is broken: the body's shape, a count outside 0 to 1e9, resolved_on_time + resolved_late, submitted_online or paid_online over received, satisfaction outside 0 to 100, a month in the future, a system that is not one of the agency's procedure (tthc) systems, a system twice. details lists every rule broken, each naming the field and quoting the value"),
                "401": error("Missing or wrong bearer token"),
                "403": error("The agency has no indicators_token: it cannot push indicators"),
                "404": error("Unknown agency"),
                "413": error("Body over 64 KiB"),
                "429": rate_limited,
                "503": error("The store cannot commit now; nothing was stored"),
            },
        },
        "get": {
            "summary": "The indicators the agency pushed: per month and system the current values and every push with its time",
            "parameters": [agency, month_param],
            "responses": {
                "200": answer("What is stored", "Indicators"),
                "400": error("Bad month"),
                "404": error("Unknown agency"),
                "500": error("The database could not be read"),
            },
        },
    })
}

/// The schemas of the route.
pub fn schemas(into: &mut Map<String, Value>) {
    let system = object(json!({
        "system": {"type": "string", "pattern": "^[a-z0-9-]{1,63}$"},
        "received": counter(), "resolved_on_time": counter(), "resolved_late": counter(),
        "submitted_online": counter(), "paid_online": counter(),
        "satisfaction": satisfaction(),
    }));
    let mut push = object(json!({
        "month": month(),
        "systems": {"type": "array", "minItems": 1, "items": system},
    }));
    push["description"] = json!("Each system at most once, one of the agency's procedure (tthc) systems; resolved_on_time + resolved_late, submitted_online and paid_online each at most received; the month not after the current one.");
    into.insert("IndicatorsPush".into(), push);
    into.insert(
        "IndicatorsStored".into(),
        object(json!({
            "status": {"type": "string", "enum": ["stored"]},
            "agency": string(), "month": month(), "pushed_at": time(),
            "systems": array(string()),
        })),
    );
    let values = object(json!({
        "pushed_at": time(),
        "received": counter(), "resolved_on_time": counter(), "resolved_late": counter(),
        "submitted_online": counter(), "paid_online": counter(),
        "satisfaction": satisfaction(),
    }));
    into.insert("IndicatorValues".into(), values);
    let system = object(json!({
        "system": string(),
        "current": reference("IndicatorValues"),
        "history": array(reference("IndicatorValues")),
    }));
    into.insert(
        "Indicators".into(),
        object(json!({
            "agency": string(), "timezone": string(),
            "months": array(object(json!({"month": month(), "systems": array(system)}))),
        })),
    );
}

/// The scorecard's indicators part of an agency (`report::indicators::IndicatorsPart`).
pub fn scorecard_part() -> Value {
    let group = object(json!({
        "value": nullable(ratio()),
        "threshold": ratio(),
        "max": {"type": "number", "minimum": 0, "maximum": 100},
        "points": {"type": "number", "minimum": 0, "maximum": 100},
    }));
    let pushed = object(json!({
        "months": array(month()), "systems": count(),
        "received": count(), "resolved_on_time": count(), "resolved_late": count(),
        "submitted_online": count(), "paid_online": count(),
        "satisfaction": satisfaction(),
    }));
    object(json!({
        "max": {"type": "integer", "minimum": 0, "maximum": 100},
        "points": {"type": "number", "minimum": 0, "maximum": 100},
        "pushed": nullable(pushed),
        "on_time": group, "online": group, "paid_online": group, "satisfaction": group,
    }))
}

/// The scorecard policy's statement of the indicators part.
pub fn scorecard_policy() -> Value {
    object(json!({
        "months": string(), "counters": string(),
        "groups": array(object(json!({
            "name": {"type": "string", "enum": ["on_time", "online", "paid_online", "satisfaction"]},
            "rate": string(), "share": ratio(), "threshold": ratio(),
        }))),
    }))
}
