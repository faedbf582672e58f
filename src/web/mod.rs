//! The status page (SPEC 7): server-rendered HTML at `/` and `/agencies/{agency}`, no
//! external assets. Everything that comes from config is escaped.

use http::{Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::server::{error, AppState, Body};

pub async fn handle(_app: &AppState, req: Request<Incoming>) -> Response<Body> {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("no route for {}", req.uri().path()),
    )
}
