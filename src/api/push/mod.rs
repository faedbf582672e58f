//! Push heartbeats (docs/configuration.md, docs/api.md): `POST /api/v1/push/{agency}/{system}/{check}` with
//! `Authorization: Bearer TOKEN`, for systems that cannot be probed from outside. The
//! token's SHA-256 is compared in constant time with the configured digest; tokens are
//! never logged. Answers 202, or 401 / 404 / 400 / 413 / 429. The bounds (body, message,
//! duration, rate, log of rejected tokens) are in docs/limits.md, "Push API":
//! `body.rs` checks a body, `gate.rs` rate-limits pushes and rejection logs.

pub mod body;
pub mod gate;

use std::net::SocketAddr;
use std::time::Instant;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;

pub use gate::Gate;

use crate::api::AppState;
use crate::config::CheckKind;
use crate::reply::{error, json, Body};

/// Largest accepted body.
pub const MAX_BODY: usize = 64 * 1024;

pub async fn handle(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    if req.method() != Method::POST {
        return crate::reply::method_not_allowed("POST", "push with POST");
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
    if !authorized(app, &req, &spec.token_digest, check.id.as_str()) {
        app.metrics.push_request("unauthorized");
        return error(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "missing or wrong bearer token for this check",
        );
    }
    let raw = match read_body(req).await {
        Ok(raw) => raw,
        Err(answer) => {
            app.metrics.push_request("bad_request");
            return answer;
        }
    };
    let push = match body::parse(&raw) {
        Ok(p) => p,
        Err(message) => {
            app.metrics.push_request("bad_request");
            return error(StatusCode::BAD_REQUEST, "bad_request", &message);
        }
    };
    if let Err(wait) = app.push_gate.admit(check.id.as_str(), Instant::now()) {
        app.metrics.push_request("rate_limited");
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        let mut r = error(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            &format!(
                "more than {} pushes a second (bursts of {}) for {}: retry in {secs} s",
                gate::RATE_PER_SECOND,
                gate::BURST,
                check.id
            ),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return r;
    }
    if let Err(e) = app
        .recorder
        .push(&check, push.up, push.duration, push.message)
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

/// Whether the request's bearer token has the SHA-256 `digest` (constant time). A
/// rejection is logged at most once a minute per source address, naming `what` was
/// pushed to and never the token.
pub(super) fn authorized(
    app: &AppState,
    req: &Request<Incoming>,
    digest: &[u8; 32],
    what: &str,
) -> bool {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if crate::token::bearer_matches(authorization, digest) {
        return true;
    }
    // The server puts the peer's address in the request's extensions.
    let source = req.extensions().get::<SocketAddr>().map(SocketAddr::ip);
    if let Some(line) = app.push_gate.rejected(source, Instant::now()) {
        let source = line.source.map_or("other".to_owned(), |ip| ip.to_string());
        tracing::warn!(to = %what, %source, suppressed = line.suppressed,
            "push rejected: missing or wrong token");
    }
    false
}

/// The body, at most [`MAX_BODY`] bytes; `Err` is the answer: 413 for a body over it
/// (refused before reading when `Content-Length` says so), 400 for one that could not
/// be read.
pub(super) async fn read_body(req: Request<Incoming>) -> Result<Bytes, Response<Body>> {
    let too_large = || {
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
        return Err(too_large());
    }
    match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => Ok(b.to_bytes()),
        Err(e)
            if e.downcast_ref::<http_body_util::LengthLimitError>()
                .is_some() =>
        {
            Err(too_large())
        }
        Err(e) => Err(error(
            StatusCode::BAD_REQUEST,
            "bad_request",
            &format!("reading the body: {e}"),
        )),
    }
}
