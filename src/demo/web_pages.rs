//! Pages with known load timing for browser checks (SPEC 14), served on 127.0.0.1 by one
//! plain HTTP server: the demo's browser checks load them, and so do the browser probe's
//! tests. Each path says what the page does:
//!
//! - `/page/fast`: text only; paints at once.
//! - `/page/hero?delay=MS`: a heading, then a 1000x600 hero image that the server sends
//!   only after MS ms, so Largest Contentful Paint is at least MS.
//! - `/hero.svg?delay=MS`: that image.
//! - `/page/busy?ms=MS`: text, then 100 ms after the first paint a script that keeps the
//!   main thread busy for MS ms: one long task after FCP, so Total Blocking Time is
//!   MS - 50.
//! - `/page/hang`: text and an image that never arrives: the load event never comes.
//! - `/page/missing`: 404 with an error page.
//!
//! The server stops when `stop` is cancelled (a hung request with it).

use std::convert::Infallible;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Response, StatusCode};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The longest delay a query may ask for.
const MAX_DELAY: Duration = Duration::from_secs(120);

const STYLE: &str =
    "<style>body{font:16px sans-serif;margin:0}h1{font-size:20px;margin:8px}</style>";

/// Serves the pages on `listener` until `stop`.
pub async fn serve(listener: TcpListener, stop: CancellationToken) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    let stop = stop.clone();
                    connections.spawn(async move {
                        let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                            let stop = stop.clone();
                            async move {
                                let uri = req.uri();
                                let page = respond(uri.path(), uri.query().unwrap_or(""), &stop).await;
                                Ok::<_, Infallible>(page)
                            }
                        });
                        let http = hyper::server::conn::http1::Builder::new();
                        let _ = http.serve_connection(TokioIo::new(tcp), service).await;
                    });
                }
                Err(e) => {
                    tracing::warn!(error = %e, "demo pages: accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    connections.shutdown().await;
}

async fn respond(path: &str, query: &str, stop: &CancellationToken) -> Response<Full<Bytes>> {
    let ms = |key: &str| {
        query
            .split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == key)
            .and_then(|(_, v)| v.parse::<u64>().ok())
            .map_or(Duration::ZERO, Duration::from_millis)
            .min(MAX_DELAY)
    };
    let html = "text/html; charset=utf-8";
    match path {
        "/page/fast" => reply(StatusCode::OK, html, page("Cổng thông tin", "")),
        "/page/hero" => {
            let delay = ms("delay").as_millis();
            let img = format!(r#"<img src="/hero.svg?delay={delay}" width="1000" height="600">"#);
            reply(StatusCode::OK, html, page("Tin tức", &img))
        }
        "/hero.svg" => {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::time::sleep(ms("delay")) => {}
            }
            reply(StatusCode::OK, "image/svg+xml", hero_svg())
        }
        "/page/busy" => {
            let busy = ms("ms").as_millis();
            let script = format!(
                "<script>new PerformanceObserver((list, observer) => {{\
                 observer.disconnect(); setTimeout(() => {{\
                 const end = performance.now() + {busy}; while (performance.now() < end) {{}}\
                 }}, 100); }}).observe({{type: 'paint'}});</script>"
            );
            reply(StatusCode::OK, html, page("Dịch vụ công", &script))
        }
        "/page/hang" => reply(
            StatusCode::OK,
            html,
            page(
                "Thủ tục",
                r#"<img src="/never.png" width="10" height="10">"#,
            ),
        ),
        "/never.png" => {
            stop.cancelled().await;
            reply(StatusCode::SERVICE_UNAVAILABLE, "text/plain", String::new())
        }
        "/page/missing" => reply(StatusCode::NOT_FOUND, html, page("Không tìm thấy", "")),
        _ => reply(StatusCode::NOT_FOUND, "text/plain", "no such page\n".into()),
    }
}

/// A 1000x600 picture of 600 coloured tiles (about 40 KB). Chromium leaves images of
/// under 0.05 bits per displayed pixel out of LCP (a placeholder, not content); a tiny
/// SVG stretched that large would be one of them.
fn hero_svg() -> String {
    let mut svg =
        String::from(r#"<svg xmlns="http://www.w3.org/2000/svg" width="1000" height="600">"#);
    let mut x: u32 = 0x2545_f491;
    for i in 0..600u32 {
        // xorshift: fixed colours, the same picture every time.
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let (col, row) = (i % 30, i / 30);
        let colour = x & 0xff_ffff;
        svg.push_str(&format!(
            r##"<rect x="{}" y="{}" width="34" height="30" fill="#{colour:06x}"/>"##,
            col * 34,
            row * 30
        ));
    }
    svg.push_str("</svg>");
    svg
}

fn page(title: &str, extra: &str) -> String {
    format!(
        "<!doctype html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>{title}</title>{STYLE}</head>\
         <body><h1>{title}</h1><p>Trang thử nghiệm của emcd.</p>{extra}</body></html>"
    )
}

fn reply(status: StatusCode, content_type: &str, body: String) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::CACHE_CONTROL, "no-store")
        .body(Full::new(Bytes::from(body)))
        .expect("response parts are valid")
}
