//! `GET /api/v1/alerts?state=firing|all` and `GET /api/v1/notifications?state=pending|
//! dead|delivered` (docs/api.md): read-only views of alert state and the outbox.

use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::json;

use crate::alert::payload;
use crate::api::AppState;
use crate::reply::{error, json, Body};
use crate::util::rfc3339;

/// Largest page of notifications.
const LIMIT: u32 = 1000;

pub async fn handle(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    if req.method() != Method::GET {
        return crate::reply::method_not_allowed("GET", "use GET");
    }
    let state = crate::reply::param(&req, "state");
    let state = state.as_deref();
    match req.uri().path() {
        "/api/v1/alerts" => {
            let firing_only = match state.unwrap_or("firing") {
                "firing" => true,
                "all" => false,
                other => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        &format!("state={other:?}: expected firing or all"),
                    )
                }
            };
            match app.store.alerts(firing_only).await {
                Ok(rows) => json(
                    StatusCode::OK,
                    &json!({"alerts": rows.iter().map(|a| json!({
                        "fingerprint": a.fingerprint,
                        "labels": labels(a),
                        "state": a.state.as_str(),
                        "summary": a.summary,
                        "description": a.description,
                        "starts_at": rfc3339(a.starts_at),
                        "ends_at": a.ends_at.map(rfc3339),
                        "last_notified_at": rfc3339(a.last_notified_at),
                    })).collect::<Vec<_>>()}),
                ),
                Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
            }
        }
        _ => {
            let state = match state {
                None => None,
                Some(s @ ("pending" | "dead" | "delivered")) => Some(s),
                Some(other) => {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "bad_request",
                        &format!("state={other:?}: expected pending, dead or delivered"),
                    )
                }
            };
            match app.store.notifications(state, LIMIT).await {
                Ok(rows) => json(
                    StatusCode::OK,
                    &json!({"notifications": rows.iter().map(|n| json!({
                        "id": n.id,
                        "delivery_id": n.delivery_id,
                        "receiver": n.receiver,
                        "state": n.state.as_str(),
                        "status": n.status.as_str(),
                        "attempts": n.attempts,
                        "created_at": rfc3339(n.created_at),
                        "next_attempt_at": rfc3339(n.next_attempt_at),
                        "delivered_at": n.delivered_at.map(rfc3339),
                        "last_error": n.last_error,
                        "alert": payload::emcd(&n.event, &n.delivery_id, n.created_at)["alert"],
                    })).collect::<Vec<_>>()}),
                ),
                Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
            }
        }
    }
}

/// An alert's labels: those of a check or system alert, or of a vantage's.
fn labels(a: &crate::store::alerts::AlertRow) -> serde_json::Value {
    if a.vantage.is_empty() {
        json!({"alertname": a.alertname, "severity": a.severity,
               "agency": a.agency, "system": a.system, "check": a.check})
    } else {
        json!({"alertname": a.alertname, "severity": a.severity, "vantage": a.vantage})
    }
}
