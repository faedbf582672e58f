//! The vocabulary of every HTTP answer: the body type, plain-text, JSON and error
//! responses (the error shape of docs/api.md), 405 with `Allow`, and query parameters.
//! Below every handler; imports nothing of the crate.

use bytes::Bytes;
use http::{header, Request, Response, StatusCode};
use http_body_util::Full;

pub type Body = Full<Bytes>;

/// A plain-text response.
pub fn text(status: StatusCode, body: &'static str) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("static response parts are valid")
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

/// A JSON error: `{"error": {"code": ..., "message": ...}}` (docs/api.md).
pub fn error(status: StatusCode, code: &str, message: &str) -> Response<Body> {
    json(
        status,
        &serde_json::json!({"error": {"code": code, "message": message}}),
    )
}

/// A query parameter, percent-decoded.
pub fn param<B>(req: &Request<B>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.uri().query()?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}
