//! Ad-hoc maintenance (docs/api.md, "Maintenance"; SPEC 12): `GET /api/v1/maintenance`
//! lists the windows not yet over, `POST` declares one (admin token), `DELETE
//! /api/v1/maintenance/{id}` ends one early (admin token). Each change is committed by
//! the writer, then applied to the recorder's ad-hoc windows (so results and alerts
//! treat it as a config window from then on), and logged with who and when. Bad input
//! is a 400 naming the field and quoting the value.

pub mod schema;

use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde::Deserialize;
use serde_json::{json, Value};

use super::admin::{authorize, ADMIN};
use super::state::AppState;
use crate::reply::{error, json, Body};
use crate::store::maintenance::{Change, Window};
use crate::util::{rfc3339, unix_now};

/// The longest window that can be declared.
pub const MAX_DAYS: i64 = 31;
/// The longest reason, in characters.
pub const MAX_REASON: usize = 500;

const DISABLED: &str = "declaring maintenance over HTTP needs server.admin_token in the config";

/// Every route under `/api/v1/maintenance`.
pub async fn handle(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let id = path
        .strip_prefix("/api/v1/maintenance")
        .and_then(|rest| rest.strip_prefix('/'));
    match (id, req.method().clone()) {
        (None, Method::GET | Method::HEAD) => list(app).await,
        (None, Method::POST) => declare(app, req).await,
        (None, _) => crate::reply::method_not_allowed(
            "GET, HEAD, POST",
            "use GET or POST /api/v1/maintenance",
        ),
        (Some(id), Method::DELETE) if !id.is_empty() && !id.contains('/') => {
            end(app, req, id).await
        }
        (Some(id), _) if !id.is_empty() && !id.contains('/') => {
            crate::reply::method_not_allowed("DELETE", "use DELETE /api/v1/maintenance/{id}")
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("no route for {path}"),
        ),
    }
}

/// A window as the API shows it.
pub fn view(w: &Window, now: i64) -> Value {
    json!({
        "id": w.id,
        "match": {"agency": w.agency, "system": w.system, "check": w.check},
        "starts_at": rfc3339(w.starts_at),
        "ends_at": rfc3339(w.end()),
        "reason": w.reason,
        "active": w.covers(now),
        "created_by": w.created_by,
        "created_at": rfc3339(w.created_at),
        "ended_by": w.ended_by,
        "ended_at": w.ended_at.map(rfc3339),
    })
}

async fn list(app: &AppState) -> Response<Body> {
    let now = unix_now();
    match app.store.maintenance_windows(now).await {
        Ok(windows) => json(
            StatusCode::OK,
            &json!({"windows": windows.iter().map(|w| view(w, now)).collect::<Vec<_>>()}),
        ),
        Err(e) => super::store_error(&e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Declare {
    #[serde(rename = "match", default)]
    matcher: Match,
    starts_at: String,
    ends_at: String,
    reason: String,
}

#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Match {
    #[serde(default)]
    agency: Vec<String>,
    #[serde(default)]
    system: Vec<String>,
    #[serde(default)]
    check: Vec<String>,
}

fn bad(message: String) -> Response<Body> {
    error(StatusCode::BAD_REQUEST, "bad_request", &message)
}

async fn declare(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    if let Some(answer) = authorize(app, &req, DISABLED) {
        return answer;
    }
    let raw = match super::push::read_body(req).await {
        Ok(raw) => raw,
        Err(answer) => return answer,
    };
    let d: Declare = match serde_json::from_slice(&raw) {
        Ok(d) => d,
        Err(e) => {
            return bad(format!(
                "body: {e}; expected {{\"match\": {{\"agency\": [...], \"system\": [...], \"check\": [...]}}, \
                 \"starts_at\": RFC 3339, \"ends_at\": RFC 3339, \"reason\": text}}"
            ))
        }
    };
    let now = unix_now();
    let window = match validate(app, d, now) {
        Ok(w) => w,
        Err(message) => return bad(message),
    };
    let change = Change::Declare(window.clone());
    if let Err(e) = app.writer.maintenance(change.clone()).await {
        return super::store_error(&e);
    }
    app.recorder.adhoc().apply(&change);
    tracing::info!(
        id = %window.id,
        by = ADMIN,
        starts_at = %rfc3339(window.starts_at),
        ends_at = %rfc3339(window.ends_at),
        agency = ?window.agency,
        system = ?window.system,
        check = ?window.check,
        reason = %window.reason,
        "maintenance window declared"
    );
    json(StatusCode::CREATED, &view(&window, now))
}

/// The window `d` declares, or the message saying which field is wrong and why.
fn validate(app: &AppState, d: Declare, now: i64) -> Result<Window, String> {
    let time = |field: &str, text: &str| {
        chrono::DateTime::parse_from_rfc3339(text)
            .map(|t| t.timestamp())
            .map_err(|_| {
                format!("{field}: invalid time {text:?}: expected RFC 3339, e.g. 2026-12-02T22:00:00+07:00")
            })
    };
    let starts_at = time("starts_at", &d.starts_at)?;
    let ends_at = time("ends_at", &d.ends_at)?;
    if ends_at <= starts_at {
        return Err(format!(
            "ends_at: {:?} is not after starts_at {:?}",
            d.ends_at, d.starts_at
        ));
    }
    if ends_at <= now {
        return Err(format!("ends_at: {:?} is already past", d.ends_at));
    }
    if ends_at - starts_at > MAX_DAYS * 86_400 {
        return Err(format!(
            "ends_at: {:?} is more than {MAX_DAYS} days after starts_at {:?}",
            d.ends_at, d.starts_at
        ));
    }
    let reason = d.reason.trim();
    if reason.is_empty() {
        return Err(format!(
            "reason: {:?} is empty: say why, for the status page",
            d.reason
        ));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(format!("reason: over {MAX_REASON} characters"));
    }
    let fleet = app.fleet.current();
    let checks = &fleet.checks;
    let m = &d.matcher;
    for (field, list) in [
        ("agency", &m.agency),
        ("system", &m.system),
        ("check", &m.check),
    ] {
        for id in list {
            let known = checks.iter().any(|c| match field {
                "agency" => &*c.agency == id.as_str(),
                "system" => &*c.system == id.as_str(),
                _ => &*c.check == id.as_str(),
            });
            if !known {
                return Err(format!(
                    "match.{field}: no {field} {id:?} has a check in the config"
                ));
            }
        }
    }
    Ok(Window {
        id: new_id(),
        agency: m.agency.clone(),
        system: m.system.clone(),
        check: m.check.clone(),
        starts_at,
        ends_at,
        reason: reason.to_owned(),
        created_by: ADMIN.to_owned(),
        created_at: now,
        ended_by: None,
        ended_at: None,
    })
}

/// `m-` and 12 random hex digits.
fn new_id() -> String {
    use ring::rand::SecureRandom;
    let mut bytes = [0u8; 6];
    ring::rand::SystemRandom::new()
        .fill(&mut bytes)
        .expect("the system's random source works");
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("m-{hex}")
}

async fn end(app: &AppState, req: Request<Incoming>, id: &str) -> Response<Body> {
    if let Some(answer) = authorize(app, &req, DISABLED) {
        return answer;
    }
    let now = unix_now();
    let windows = match app.store.maintenance_windows(now).await {
        Ok(w) => w,
        Err(e) => return super::store_error(&e),
    };
    let Some(mut window) = windows.into_iter().find(|w| w.id == id) else {
        return error(
            StatusCode::NOT_FOUND,
            "unknown_window",
            &format!("no maintenance window {id:?} that is not over yet"),
        );
    };
    let change = Change::End {
        id: id.to_owned(),
        at: now,
        by: ADMIN.to_owned(),
    };
    if let Err(e) = app.writer.maintenance(change.clone()).await {
        return super::store_error(&e);
    }
    app.recorder.adhoc().apply(&change);
    window.ended_at = Some(now);
    window.ended_by = Some(ADMIN.to_owned());
    tracing::info!(id, by = ADMIN, at = %rfc3339(now), "maintenance window ended early");
    json(StatusCode::OK, &view(&window, now))
}
