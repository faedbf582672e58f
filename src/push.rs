//! Push heartbeats (SPEC 3.2, 7): `POST /api/v1/push/{agency}/{system}/{check}` with
//! `Authorization: Bearer TOKEN`, for systems that cannot be probed from outside. The
//! token's SHA-256 is compared in constant time with the configured digest; tokens are
//! never logged. Answers 202, or 401 / 404 / 400 / 413.

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use serde::Deserialize;

use crate::config::CheckKind;
use crate::server::{error, json, AppState, Body};

/// Largest accepted body.
pub const MAX_BODY: usize = 64 * 1024;

/// The optional JSON body of a push.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PushBody {
    /// `up` (default) or `down`.
    status: Option<PushStatus>,
    duration_seconds: Option<f64>,
    message: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum PushStatus {
    Up,
    Down,
}

pub async fn handle(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    if req.method() != Method::POST {
        return crate::server::method_not_allowed("POST", "push with POST");
    }
    let id = req
        .uri()
        .path()
        .trim_start_matches("/api/v1/push/")
        .to_owned();
    let fleet = app.fleet.current();
    let check = match fleet.get_str(&id) {
        Some(c) if matches!(c.config.kind, CheckKind::Push(_)) => c.clone(),
        _ => {
            app.metrics.push_request("unknown_check");
            return error(
                StatusCode::NOT_FOUND,
                "unknown_check",
                &format!("no push check {id:?}"),
            );
        }
    };
    drop(fleet);
    let CheckKind::Push(spec) = &check.config.kind else {
        unreachable!("matched above")
    };
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let authorized =
        token.is_some_and(|t| crate::token::equal(&crate::token::digest(t), &spec.token_digest));
    if !authorized {
        app.metrics.push_request("unauthorized");
        tracing::warn!(check = %check.id, "push rejected: missing or wrong token");
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token for this check",
        );
    }
    let too_large = || {
        app.metrics.push_request("bad_request");
        error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            &format!("push body over {} KiB", MAX_BODY / 1024),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY) {
        return too_large();
    }
    let body: Bytes = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            return too_large()
        }
        Err(e) => {
            app.metrics.push_request("bad_request");
            return error(
                StatusCode::BAD_REQUEST,
                "bad_request",
                &format!("reading the body: {e}"),
            );
        }
    };
    let parsed: PushBody = if body.iter().all(u8::is_ascii_whitespace) {
        PushBody::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(p) => p,
            Err(e) => {
                app.metrics.push_request("bad_request");
                return error(
                    StatusCode::BAD_REQUEST,
                    "bad_request",
                    &format!("body must be {{\"status\": \"up\"|\"down\", \"duration_seconds\": N, \"message\": \"...\"}}: {e}"),
                );
            }
        }
    };
    let duration = parsed.duration_seconds.unwrap_or(0.0);
    if !(duration.is_finite() && duration >= 0.0) {
        app.metrics.push_request("bad_request");
        return error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "duration_seconds must be a non-negative number",
        );
    }
    let up = parsed.status != Some(PushStatus::Down);
    if let Err(e) = app
        .recorder
        .push(&check, up, duration, parsed.message)
        .await
    {
        return error(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            &e.to_string(),
        );
    }
    app.metrics.push_request("accepted");
    json(
        StatusCode::ACCEPTED,
        &serde_json::json!({"status": "accepted", "check": check.id.as_str()}),
    )
}
