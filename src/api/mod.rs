//! The JSON API (SPEC 7) under `/api/v1/`: status, agencies, checks and their results,
//! and the OpenAPI document. Read-only: handlers read the fleet and the store.

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
