//! Indicators pushed by agencies (docs/api.md, "Indicators"; SPEC section 13):
//! `POST /api/v1/indicators/{agency}` with the agency's `indicators_token` stores the
//! monthly counters of its procedure systems (`body.rs` checks them), and
//! `GET /api/v1/indicators/{agency}[?month=]` returns what is stored: each system's
//! current values of each month and every push with the time it was received. A push
//! is answered once it is committed; nothing is ever replaced in the store, a later
//! push of the same month only becomes the current one. The token is compared in
//! constant time and never logged; pushes share the push API's rate limit and body
//! bound (docs/limits.md).

pub mod body;
pub(super) mod schema;

use std::collections::BTreeMap;
use std::time::Instant;

use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use hyper::body::Incoming;
use serde_json::{json, Value};

use super::push::{authorized, gate, read_body};
use super::AppState;
use crate::config::Agency;
use crate::reply::{error, json, param, Body};
use crate::store::indicators::{Counters, IndicatorPush};
use crate::util::{rfc3339, unix_now};

pub async fn handle(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    let id = req
        .uri()
        .path()
        .trim_start_matches("/api/v1/indicators/")
        .to_owned();
    if id.is_empty() || id.contains('/') {
        return error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("no route for {}", req.uri().path()),
        );
    }
    let post = match *req.method() {
        Method::POST => true,
        Method::GET | Method::HEAD => false,
        _ => {
            return crate::reply::method_not_allowed(
                "GET, HEAD, POST",
                "push indicators with POST, read them with GET",
            )
        }
    };
    let config = app.fleet.current().config.clone();
    let Some(agency) = config.agencies.iter().find(|a| a.id == id) else {
        if post {
            app.metrics.indicator_push("unknown_agency");
        }
        return error(
            StatusCode::NOT_FOUND,
            "unknown_agency",
            &format!("no agency {id:?}"),
        );
    };
    if post {
        push(app, req, agency, config.sla.timezone).await
    } else {
        read(app, &req, agency, config.sla.timezone).await
    }
}

/// `POST`: checks the token, the body and the rate, then stores and answers 201.
async fn push(
    app: &AppState,
    req: Request<Incoming>,
    agency: &Agency,
    tz: chrono_tz::Tz,
) -> Response<Body> {
    let what = format!("indicators/{}", agency.id);
    let Some(digest) = &agency.indicators_token else {
        app.metrics.indicator_push("disabled");
        return error(
            StatusCode::FORBIDDEN,
            "indicators_disabled",
            &format!(
                "agency {:?} has no indicators_token in its file: it cannot push indicators",
                agency.id
            ),
        );
    };
    if !authorized(app, &req, digest, &what) {
        app.metrics.indicator_push("unauthorized");
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token for this agency's indicators",
        );
    }
    let raw = match read_body(req).await {
        Ok(raw) => raw,
        Err(answer) => {
            app.metrics.indicator_push("bad_request");
            return answer;
        }
    };
    let now = unix_now();
    let current = crate::sla::time::date_text(tz, now)[..7].to_owned();
    let pushed = match body::parse(&raw, agency, &current) {
        Ok(p) => p,
        Err(errors) => {
            app.metrics.indicator_push("bad_request");
            return json(
                StatusCode::BAD_REQUEST,
                &json!({"error": {
                    "code": "bad_request",
                    "message": errors.join("; "),
                    "details": errors,
                }}),
            );
        }
    };
    if let Err(wait) = app.push_gate.admit(&what, Instant::now()) {
        app.metrics.indicator_push("rate_limited");
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            &format!(
                "more than {} pushes a second (bursts of {}) of {what}: retry in {secs} s",
                gate::RATE_PER_SECOND,
                gate::BURST,
            ),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return r;
    }
    let systems: Vec<&str> = pushed.systems.iter().map(|s| s.0.as_str()).collect();
    let answer = json!({
        "status": "stored", "agency": agency.id, "month": pushed.month,
        "pushed_at": rfc3339(now), "systems": systems,
    });
    let rows = pushed
        .systems
        .iter()
        .map(|(system, counters)| IndicatorPush {
            agency: agency.id.clone(),
            system: system.clone(),
            month: pushed.month.clone(),
            pushed_at: now,
            counters: *counters,
        })
        .collect();
    if let Err(e) = app.writer.indicators(rows).await {
        tracing::error!(agency = %agency.id, error = %e, "indicators not stored");
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "store_unavailable",
            &format!("the indicators were not stored ({e}); push them again later"),
        );
    }
    app.metrics.indicator_push("accepted");
    if let Err(e) = app.metrics.indicators.refresh(&app.store).await {
        tracing::warn!(error = %e, "reading the indicators back for /metrics");
    }
    json(StatusCode::CREATED, &answer)
}

/// `GET`: every month of the agency, or the one of `month`.
async fn read(
    app: &AppState,
    req: &Request<Incoming>,
    agency: &Agency,
    tz: chrono_tz::Tz,
) -> Response<Body> {
    let (first, last) = match param(req, "month") {
        None => ("0000-01".to_owned(), "9999-12".to_owned()),
        Some(m) if body::is_month(&m) => (m.clone(), m),
        Some(m) => {
            return error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                &format!("month={m:?}: expected a month YYYY-MM, e.g. 2026-11"),
            )
        }
    };
    match app.store.indicator_pushes(&agency.id, &first, &last).await {
        Ok(rows) => json(StatusCode::OK, &view(agency, tz, &rows)),
        Err(e) => {
            tracing::error!(error = %e, "reading the indicators for the API");
            error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "store_error",
                "reading the database failed",
            )
        }
    }
}

/// The stored pushes of one agency (by month and system, each system's in the order
/// received) as the GET answer.
fn view(agency: &Agency, tz: chrono_tz::Tz, rows: &[IndicatorPush]) -> Value {
    let mut months: BTreeMap<&str, BTreeMap<&str, Vec<&IndicatorPush>>> = BTreeMap::new();
    for r in rows {
        months
            .entry(&r.month)
            .or_default()
            .entry(&r.system)
            .or_default()
            .push(r);
    }
    let months: Vec<Value> = months
        .into_iter()
        .map(|(month, systems)| {
            let systems: Vec<Value> = systems
                .into_iter()
                .map(|(system, pushes)| {
                    let current = pushes.last().expect("a system listed has a push");
                    json!({
                        "system": system,
                        "current": values(&current.counters, current.pushed_at),
                        "history": pushes.iter().map(|p| values(&p.counters, p.pushed_at)).collect::<Vec<_>>(),
                    })
                })
                .collect();
            json!({"month": month, "systems": systems})
        })
        .collect();
    json!({
        "agency": agency.id,
        "timezone": tz.name(),
        "months": months,
    })
}

fn values(c: &Counters, pushed_at: i64) -> Value {
    json!({
        "pushed_at": rfc3339(pushed_at),
        "received": c.received,
        "resolved_on_time": c.resolved_on_time,
        "resolved_late": c.resolved_late,
        "submitted_online": c.submitted_online,
        "paid_online": c.paid_online,
        "satisfaction": c.satisfaction,
    })
}
