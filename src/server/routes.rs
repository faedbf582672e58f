//! Routing, and the routes of the server itself: `/healthz`, `/readyz`, `/metrics`.

use std::sync::atomic::Ordering;

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;

use crate::api::AppState;
use crate::metrics::Format;
use crate::reply::{error, text, Body};

/// Routes one request: `/api/v1/...` and `/-/reload` to `api`, pages to `web`.
pub(super) async fn route(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path();
    if path.starts_with("/api/") || path == "/-/reload" {
        return crate::api::handle(app, req).await;
    }
    if path == "/" || path.starts_with("/agencies/") {
        return crate::web::handle(app, req).await;
    }
    let known = matches!(path, "/healthz" | "/readyz" | "/metrics");
    if known && req.method() != Method::GET && req.method() != Method::HEAD {
        return crate::reply::method_not_allowed(
            "GET, HEAD",
            &format!("{} does not accept {}", path, req.method()),
        );
    }
    match path {
        "/healthz" => text(StatusCode::OK, "ok\n"),
        "/readyz" => readyz(app),
        "/metrics" => {
            let accept = req
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok());
            let format = Format::negotiate(accept);
            // Encoding a large fleet's page takes tens of milliseconds: do it off the
            // runtime's workers, so the scheduler and the probes are not held up.
            let (metrics, role) = (app.metrics.clone(), app.role.clone());
            let page =
                match tokio::task::spawn_blocking(move || metrics.encode(format, &role)).await {
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

/// 200 once ready and while the store commits; 503 with the reason otherwise.
fn readyz(app: &AppState) -> Response<Body> {
    let why = if !app.ready.load(Ordering::Acquire) {
        Some("not ready: starting or stopping".to_owned())
    } else {
        app.store_health
            .failing()
            .or_else(|| app.role.unready())
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
