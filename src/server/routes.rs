//! Routing, and the routes of the server itself: `/healthz`, `/readyz`, `/metrics`.

use std::sync::atomic::Ordering;

use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Either;
use hyper::body::Incoming;

use super::metrics_page::ServerBody;

use crate::api::AppState;
use crate::reply::{error, text, Body};

/// Routes one request: `/api/v1/...` and `/-/reload` to `api`, pages to `web`,
/// `/metrics` streamed (`metrics_page`), the rest here.
pub(super) async fn route(app: &AppState, req: Request<Incoming>) -> Response<ServerBody> {
    let path = req.uri().path();
    let read = req.method() == Method::GET || req.method() == Method::HEAD;
    if path == "/metrics" && read {
        return super::metrics_page::respond(app, &req).map(Either::Right);
    }
    whole(app, req).await.map(Either::Left)
}

async fn whole(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path();
    if path.starts_with("/api/") || path == "/-/reload" {
        return crate::api::handle(app, req).await;
    }
    if path == "/" || path.starts_with("/agencies/") {
        return crate::web::handle(app, req).await;
    }
    if path.starts_with("/badge/") {
        return crate::web::badge(app, req).await;
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
            .body(http_body_util::Full::new(bytes::Bytes::from(why + "\n")))
            .expect("static response parts are valid"),
    }
}
