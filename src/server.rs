//! The HTTP server and its routing: `/healthz`, `/readyz`, `/metrics` here; the JSON
//! API in `api`, the status page in `web`, push heartbeats in `push`, reload in
//! `reload`. It takes an already bound listener and a shutdown token, so tests bind
//! `127.0.0.1:0`. Handlers read shared state; only push hands results to the recorder.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;

use crate::fleet::FleetHandle;
use crate::metrics::{Format, Metrics};
use crate::recorder::Recorder;
use crate::reload::ReloadHandle;
use crate::store::Store;

/// What handlers read.
pub struct AppState {
    pub fleet: FleetHandle,
    pub metrics: Arc<Metrics>,
    /// Read side of the database (reports, result history).
    pub store: Arc<Store>,
    /// Where push heartbeats go.
    pub recorder: Recorder,
    /// Asks the daemon to reload its config.
    pub reload: ReloadHandle,
    /// Push rate limits and the log of rejected push tokens.
    pub push_gate: crate::push::Gate,
    /// Set once config is loaded, the store is open and the scheduler runs.
    pub ready: AtomicBool,
    /// Why the store cannot commit, while it cannot (`/readyz` says it).
    pub store_health: Arc<crate::store::writer::StoreHealth>,
}

pub type Body = Full<Bytes>;

mod activity;
mod connections;

pub use connections::{serve, Limits};

async fn route(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path();
    if path.starts_with("/api/v1/push/") {
        return crate::push::handle(app, req).await;
    }
    if path == "/-/reload" {
        return crate::reload::handle(app, req).await;
    }
    if path == "/api/v1/reports/sla" || path == "/api/v1/reports/compliance" {
        return crate::sla::report::http::handle(app, req).await;
    }
    if path == "/api/v1/alerts" || path == "/api/v1/notifications" {
        return crate::alert::api::handle(app, req).await;
    }
    if path.starts_with("/api/") {
        return crate::api::handle(app, req).await;
    }
    if path == "/" || path.starts_with("/agencies/") {
        return crate::web::handle(app, req).await;
    }
    let known = matches!(path, "/healthz" | "/readyz" | "/metrics");
    if known && req.method() != Method::GET && req.method() != Method::HEAD {
        return crate::server::method_not_allowed(
            "GET, HEAD",
            &format!("{} does not accept {}", path, req.method()),
        );
    }
    match path {
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/readyz" => readyz(&app),
        "/metrics" => {
            let accept = req
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok());
            let format = Format::negotiate(accept);
            // Encoding a large fleet's page takes tens of milliseconds: do it off the
            // runtime's workers, so the scheduler and the probes are not held up.
            let metrics = app.metrics.clone();
            let page = match tokio::task::spawn_blocking(move || metrics.encode(format)).await {
                Ok(page) => page,
                Err(e) => {
                    tracing::error!(error = %e, "encoding /metrics failed");
                    return error(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "internal",
                        "encoding /metrics failed",
                    );
                }
            };
            Response::builder()
                .header(header::CONTENT_TYPE, format.content_type())
                .body(Full::new(Bytes::from(page)))
                .expect("static response parts are valid")
        }
        _ => error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!("no route for {path}"),
        ),
    }
}

/// A plain-text response.
pub fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("static response parts are valid")
}

/// 200 once ready and while the store commits; 503 with the reason otherwise.
fn readyz(app: &AppState) -> Response<Body> {
    let why = if !app.ready.load(Ordering::Acquire) {
        Some("not ready: starting or stopping".to_owned())
    } else {
        app.store_health
            .failing()
            .map(|why| format!("not ready: {why}"))
    };
    match why {
        None => text(StatusCode::OK, "ready\n"),
        Some(why) => Response::builder()
            .status(StatusCode::SERVICE_UNAVAILABLE)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(Full::new(Bytes::from(why + "\n")))
            .expect("static response parts are valid"),
    }
}

/// 405 with the `Allow` header naming the accepted methods.
pub fn method_not_allowed(allow: &'static str, message: &str) -> Response<Body> {
    let mut r = error(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        message,
    );
    r.headers_mut()
        .insert(header::ALLOW, http::HeaderValue::from_static(allow));
    r
}

/// A JSON response.
pub fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(value.to_string())))
        .expect("static response parts are valid")
}

/// A JSON error in the shape of SPEC 7.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json(
        status,
        &serde_json::json!({"error": {"code": code, "message": message}}),
    )
}
