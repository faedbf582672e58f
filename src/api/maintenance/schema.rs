//! The ad-hoc maintenance part of the OpenAPI document: the routes (`GET`, `POST`,
//! `DELETE`) and the closed schemas of the request and answers. What a schema cannot
//! say (ends_at after starts_at and not past, at most 31 days, ids of the config) is a
//! documented 400 naming the field and quoting the value.

use serde_json::{json, Map, Value};

use super::{MAX_DAYS, MAX_REASON};
use crate::api::schema_kit::{array, boolean, nullable, object, reference, string, time};

fn ids() -> Value {
    array(json!({"type": "string", "pattern": "^[a-z0-9-]{1,63}$"}))
}

fn error(description: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": reference("Error")}}})
}

fn answer(description: &str, schema: &str) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": reference(schema)}}})
}

/// `/api/v1/maintenance` and `/api/v1/maintenance/{id}`; `agency` an example agency id
/// and `now` the time examples start at.
pub fn paths(agency: Option<&str>, now: i64) -> (Value, Value) {
    let mut body = json!({"schema": reference("MaintenanceRequest")});
    if let Some(a) = agency {
        body["example"] = json!({
            "match": {"agency": [a]},
            "starts_at": crate::util::rfc3339(now),
            "ends_at": crate::util::rfc3339(now + 3600),
            "reason": "Nâng cấp máy chủ",
        });
    }
    let list = json!({
        "get": {
            "summary": "Ad-hoc maintenance windows not over yet, by start",
            "responses": {
                "200": answer("The windows", "MaintenanceWindows"),
                "500": error("The database could not be read"),
            },
        },
        "post": {
            "summary": "Declare a maintenance window (Authorization: Bearer server.admin_token): its checks' results count as maintenance and raise no alert, as in a config window",
            "security": [{"bearer": []}],
            "requestBody": {"required": true, "content": {"application/json": body}},
            "responses": {
                "201": answer("Declared (and logged with who and when)", "MaintenanceWindow"),
                "400": error(&format!("A rule is broken: the body's shape, a time that is not RFC 3339, ends_at not after starts_at or already past, a window over {MAX_DAYS} days, an empty reason or one over {MAX_REASON} characters, an id in match that no check of the config has; the message names the field and quotes the value")),
                "401": error("Missing or wrong admin token"),
                "403": error("No admin token configured: maintenance over HTTP is disabled"),
                "413": error("Body over 64 KiB"),
                "503": error("The store cannot commit now; nothing was stored"),
            },
        },
    });
    let one = json!({
        "delete": {
            "summary": "End a maintenance window early (Authorization: Bearer server.admin_token)",
            "security": [{"bearer": []}],
            "parameters": [{
                "name": "id", "in": "path", "required": true,
                "description": "The window's id, as POST answered it.",
                "schema": {"type": "string", "pattern": "^m-[0-9a-f]{12}$"},
            }],
            "responses": {
                "200": answer("Ended now (and logged with who and when)", "MaintenanceWindow"),
                "401": error("Missing or wrong admin token"),
                "403": error("No admin token configured: maintenance over HTTP is disabled"),
                "404": error("No window with this id that is not over yet"),
                "503": error("The store cannot commit now; nothing was changed"),
            },
        },
    });
    (list, one)
}

/// The schemas of the routes.
pub fn schemas(into: &mut Map<String, Value>) {
    let mut matcher = json!({
        "type": "object",
        "additionalProperties": false,
        "properties": {"agency": ids(), "system": ids(), "check": ids()},
    });
    matcher["description"] =
        json!("As a config window's match: each list given must hold the check's id; none given matches every check.");
    let mut request = object(json!({
        "match": matcher.clone(),
        "starts_at": time(),
        "ends_at": time(),
        "reason": {"type": "string", "minLength": 1, "maxLength": MAX_REASON},
    }));
    request["required"] = json!(["starts_at", "ends_at", "reason"]);
    into.insert("MaintenanceRequest".into(), request);
    into.insert(
        "MaintenanceWindow".into(),
        object(json!({
            "id": string(),
            "match": object(json!({"agency": ids(), "system": ids(), "check": ids()})),
            "starts_at": time(),
            "ends_at": time(),
            "reason": string(),
            "active": boolean(),
            "created_by": string(),
            "created_at": time(),
            "ended_by": nullable(string()),
            "ended_at": nullable(time()),
        })),
    );
    into.insert(
        "MaintenanceWindows".into(),
        object(json!({"windows": array(reference("MaintenanceWindow"))})),
    );
}
