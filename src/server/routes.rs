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
        // Gzipped when the scraper asks (`Accept-Encoding: gzip`, as Prometheus does).
        "/metrics" => {
            let accept = req
                .headers()
                .get(header::ACCEPT)
                .and_then(|v| v.to_str().ok());
            let format = Format::negotiate(accept);
            let gzip = accepts_gzip(req.headers().get(header::ACCEPT_ENCODING));
            // Encoding a large fleet's page takes tens of milliseconds: do it off the
            // runtime's workers, so the scheduler and the probes are not held up.
            let (metrics, role) = (app.metrics.clone(), app.role.clone());
            let encode = move || {
                let page = metrics.encode(format, &role).into_bytes();
                if gzip {
                    gzipped(&page)
                } else {
                    page
                }
            };
            let page = match tokio::task::spawn_blocking(encode).await {
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
            let mut response =
                Response::builder().header(header::CONTENT_TYPE, format.content_type());
            if gzip {
                response = response
                    .header(header::CONTENT_ENCODING, "gzip")
                    .header(header::VARY, "accept-encoding");
            }
            response
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

/// Whether `Accept-Encoding` lists gzip (or x-gzip) with a weight above zero, as
/// Prometheus's `gzip` does.
fn accepts_gzip(value: Option<&header::HeaderValue>) -> bool {
    let Some(value) = value.and_then(|v| v.to_str().ok()) else {
        return false;
    };
    value.split(',').any(|coding| {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let zero = parts.any(|p| {
            p.strip_prefix("q=")
                .is_some_and(|q| q.parse::<f32>().is_ok_and(|q| q <= 0.0))
        });
        (name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip")) && !zero
    })
}

/// The gzip of a page at level 1: a /metrics page shrinks about tenfold at level 1
/// as at 6, for a fraction of the CPU (docs/BENCHMARKS.md, "/metrics gzip").
fn gzipped(page: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let out = Vec::with_capacity(page.len() / 8);
    let mut gz = flate2::write::GzEncoder::new(out, flate2::Compression::new(GZIP_LEVEL));
    gz.write_all(page)
        .and_then(|()| gz.finish())
        .expect("writing to a Vec does not fail")
}

/// The gzip level of `/metrics` (1 fastest, 9 smallest).
const GZIP_LEVEL: u32 = 1;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_used_when_listed_with_a_weight_above_zero() {
        let yes = [
            "gzip",
            "GZIP",
            "deflate, gzip",
            "gzip;q=0.5",
            "identity, x-gzip;q=1",
        ];
        let no = [
            "",
            "identity",
            "deflate",
            "gzip;q=0",
            "gzip; q=0.0",
            "br, *",
        ];
        for v in yes {
            assert!(
                accepts_gzip(Some(&header::HeaderValue::from_static(v))),
                "{v}"
            );
        }
        for v in no {
            assert!(
                !accepts_gzip(Some(&header::HeaderValue::from_static(v))),
                "{v}"
            );
        }
        assert!(!accepts_gzip(None));
    }

    #[test]
    fn a_gzipped_page_decodes_to_the_page() {
        use std::io::Read;
        let page = "emcd_up 1\n".repeat(10_000);
        let gz = gzipped(page.as_bytes());
        assert!(gz.len() < page.len() / 50, "{}", gz.len());
        let mut back = String::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_string(&mut back)
            .unwrap();
        assert_eq!(back, page);
    }
}
