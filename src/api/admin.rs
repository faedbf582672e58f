//! `POST /-/reload` (docs/api.md): a config reload asked over HTTP, with the admin token.

use http::{header, Method, Request, Response, StatusCode};
use hyper::body::Incoming;

use super::state::AppState;
use crate::reload::ReloadError;
use crate::reply::{error, json, Body};

/// The name an admin action is recorded under (docs/api.md): the one admin token,
/// `server.admin_token`.
pub const ADMIN: &str = "admin";

/// Checks `Authorization: Bearer <server.admin_token>` in constant time; `None` when it
/// holds, else the answer to send (403 with `disabled` when no admin token is configured, 401).
pub fn authorize<B>(app: &AppState, req: &Request<B>, disabled: &str) -> Option<Response<Body>> {
    let fleet = app.fleet.current();
    let Some(expected) = &fleet.config.server.admin_token else {
        return Some(error(StatusCode::FORBIDDEN, "admin_disabled", disabled));
    };
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    if !given.is_some_and(|g| crate::token::equal(g.as_bytes(), expected.0.as_bytes())) {
        return Some(error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong admin bearer token",
        ));
    }
    None
}

/// `POST /-/reload`, with `Authorization: Bearer <server.admin_token>`.
pub async fn reload(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    if req.method() != Method::POST {
        return crate::reply::method_not_allowed("POST", "use POST /-/reload");
    }
    if let Some(answer) = authorize(
        app,
        &req,
        "reload over HTTP needs server.admin_token in the config; send SIGHUP instead",
    ) {
        return answer;
    }
    match app.reload.reload().await {
        Ok(diff) => json(
            StatusCode::OK,
            &serde_json::json!({"status": "reloaded", "checks": {
                "added": diff.added, "removed": diff.removed,
                "changed": diff.changed, "unchanged": diff.unchanged,
            }}),
        ),
        Err(ReloadError::Invalid(errors)) => json(
            StatusCode::BAD_REQUEST,
            &serde_json::json!({"error": {
                "code": "invalid_config",
                "message": format!("the new config is invalid ({}); the running config is kept", crate::util::plural(errors.0.len(), "error")),
                "details": errors.0.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
            }}),
        ),
        Err(e @ ReloadError::Waiting { .. }) => json(
            StatusCode::ACCEPTED,
            &serde_json::json!({"status": "waiting", "message": e.to_string()}),
        ),
        Err(e @ ReloadError::Failed(_)) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "reload_failed",
            &e.to_string(),
        ),
    }
}
