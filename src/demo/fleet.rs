//! The simulated fleet: one plain HTTP server and one HTTPS server on 127.0.0.1 (ports
//! chosen by the OS) whose paths give behaviours, and a closed port for a TCP check that
//! fails. A path is `/{agency}/{system}/{page}`; only its last segment matters, the rest
//! makes the generated config and the server log readable. The servers stop when their
//! cancellation token is cancelled; nothing here knows about emcd's config or metrics.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{header, Response, StatusCode};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

/// How long the slow page takes: over the demo's `degraded_after` (3 s), under its
/// `timeout`, so the probe succeeds but is `degraded`.
pub const SLOW: Duration = Duration::from_secs(4);
/// The flapping page answers 200 for this long, then 503 for as long, and so on.
pub const FLAP_PHASE: Duration = Duration::from_secs(30);
/// Every this-many-th request to the unstable page fails (one miss, never a streak).
pub const UNSTABLE_EVERY: u64 = 4;
/// A TLS client that never finishes its handshake is dropped after this long.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a simulated page does; its slug is the last path segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// Fast 200 with the portal's HTML.
    Portal,
    /// Fast 200 with a JSON health document, `{"status": "UP", ...}`.
    Health,
    /// The portal, after [`SLOW`].
    Slow,
    /// The portal for [`FLAP_PHASE`], then 503 for as long, and so on.
    Flapping,
    /// The portal, but every [`UNSTABLE_EVERY`]-th request answers 500.
    Unstable,
    /// 503 with an error page.
    Down,
    /// 200 whose HTML says "Lỗi hệ thống" (a broken page behind a healthy status).
    Broken,
    /// 200 with a JSON health document that says `"status": "DOWN"`.
    HealthDown,
}

impl Page {
    pub const ALL: [Page; 8] = [
        Page::Portal,
        Page::Health,
        Page::Slow,
        Page::Flapping,
        Page::Unstable,
        Page::Down,
        Page::Broken,
        Page::HealthDown,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Page::Portal => "portal",
            Page::Health => "health",
            Page::Slow => "slow",
            Page::Flapping => "flapping",
            Page::Unstable => "unstable",
            Page::Down => "down",
            Page::Broken => "broken",
            Page::HealthDown => "health-down",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Page> {
        Page::ALL.into_iter().find(|p| p.slug() == slug)
    }
}

/// Where the simulated endpoints listen.
#[derive(Clone, Copy, Debug)]
pub struct Endpoints {
    pub http: SocketAddr,
    /// Same pages over TLS, with the demo CA's short-lived certificate.
    pub https: SocketAddr,
    /// A loopback port with nothing listening (bound once by the OS, then released).
    pub closed: SocketAddr,
}

/// The running simulated fleet.
pub struct Simulation {
    pub endpoints: Endpoints,
    /// The two accept loops; each stops on the token and aborts its connections.
    tasks: JoinSet<()>,
}

impl Simulation {
    /// Binds the servers and starts serving until `stop` is cancelled.
    pub async fn start(tls: TlsAcceptor, stop: CancellationToken) -> std::io::Result<Simulation> {
        let http = TcpListener::bind("127.0.0.1:0").await?;
        let https = TcpListener::bind("127.0.0.1:0").await?;
        let closed = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
        let endpoints = Endpoints {
            http: http.local_addr()?,
            https: https.local_addr()?,
            closed,
        };
        let pages = Arc::new(Pages {
            started: Instant::now(),
            unstable_requests: AtomicU64::new(0),
        });
        let mut tasks = JoinSet::new();
        tasks.spawn(serve(http, None, pages.clone(), stop.clone()));
        tasks.spawn(serve(https, Some(tls), pages, stop));
        Ok(Simulation { endpoints, tasks })
    }

    /// Waits for the servers to stop (after their token is cancelled).
    pub async fn join(mut self) {
        while self.tasks.join_next().await.is_some() {}
    }
}

/// The state behind the pages: when the fleet started (the flapping phase) and how many
/// requests the unstable page has had.
struct Pages {
    started: Instant,
    unstable_requests: AtomicU64,
}

/// Whether the flapping page is in its failing phase `elapsed` after the start: up for
/// the first [`FLAP_PHASE`], down for the next, and so on.
pub fn flapping_is_down(elapsed: Duration) -> bool {
    (elapsed.as_secs() / FLAP_PHASE.as_secs()) % 2 == 1
}

const PORTAL_HTML: &str = "<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\
<title>Dịch vụ công trực tuyến</title></head>\n<body><h1>Dịch vụ công trực tuyến</h1>\
<p>Tra cứu hồ sơ, nộp hồ sơ trực tuyến, thanh toán phí và lệ phí.</p>\
<p><small>Trang mô phỏng của emcd demo.</small></p></body></html>\n";
const ERROR_HTML: &str = "<!doctype html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">\
<title>Lỗi hệ thống</title></head>\n<body><h1>Lỗi hệ thống</h1>\
<p>Không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau.</p></body></html>\n";
const HEALTH_UP: &str =
    r#"{"status":"UP","components":{"db":"UP","queue":"UP"},"version":"2.4.1"}"#;
const HEALTH_DOWN: &str =
    r#"{"status":"DOWN","components":{"db":"DOWN","queue":"UP"},"version":"2.4.1"}"#;

impl Pages {
    async fn respond(&self, path: &str) -> Response<Full<Bytes>> {
        let slug = path.rsplit('/').next().unwrap_or("");
        let Some(page) = Page::from_slug(slug) else {
            return reply(StatusCode::NOT_FOUND, "text/plain", "no such page\n");
        };
        let html = "text/html; charset=utf-8";
        let json = "application/json";
        match page {
            Page::Portal => reply(StatusCode::OK, html, PORTAL_HTML),
            Page::Health => reply(StatusCode::OK, json, HEALTH_UP),
            Page::HealthDown => reply(StatusCode::OK, json, HEALTH_DOWN),
            Page::Slow => {
                tokio::time::sleep(SLOW).await;
                reply(StatusCode::OK, html, PORTAL_HTML)
            }
            Page::Flapping if flapping_is_down(self.started.elapsed()) => {
                reply(StatusCode::SERVICE_UNAVAILABLE, html, ERROR_HTML)
            }
            Page::Flapping => reply(StatusCode::OK, html, PORTAL_HTML),
            Page::Unstable => {
                let n = self.unstable_requests.fetch_add(1, Ordering::Relaxed) + 1;
                if n.is_multiple_of(UNSTABLE_EVERY) {
                    reply(StatusCode::INTERNAL_SERVER_ERROR, html, ERROR_HTML)
                } else {
                    reply(StatusCode::OK, html, PORTAL_HTML)
                }
            }
            Page::Down => reply(StatusCode::SERVICE_UNAVAILABLE, html, ERROR_HTML),
            Page::Broken => reply(StatusCode::OK, html, ERROR_HTML),
        }
    }
}

fn reply(status: StatusCode, content_type: &str, body: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .header(header::SERVER, "emcd-demo")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("static response parts are valid")
}

/// One server's accept loop; its connections live in a `JoinSet` that is aborted when
/// `stop` is cancelled.
async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    pages: Arc<Pages>,
    stop: CancellationToken,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.cancelled() => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    connections.spawn(connection(tcp, tls.clone(), pages.clone()));
                }
                Err(e) => {
                    // Usually EMFILE: back off briefly instead of spinning.
                    tracing::warn!(error = %e, "demo fleet: accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    connections.shutdown().await;
}

async fn connection(tcp: TcpStream, tls: Option<TlsAcceptor>, pages: Arc<Pages>) {
    let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
        let pages = pages.clone();
        async move { Ok::<_, Infallible>(pages.respond(req.uri().path()).await) }
    });
    let http = hyper::server::conn::http1::Builder::new();
    let served = match tls {
        None => http.serve_connection(TokioIo::new(tcp), service).await,
        Some(tls) => match tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(tcp)).await {
            Ok(Ok(stream)) => http.serve_connection(TokioIo::new(stream), service).await,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "demo fleet: TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!("demo fleet: TLS handshake timed out");
                return;
            }
        },
    };
    if let Err(e) = served {
        tracing::debug!(error = %e, "demo fleet: connection ended with an error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip() {
        for page in Page::ALL {
            assert_eq!(Page::from_slug(page.slug()), Some(page));
        }
        assert_eq!(Page::from_slug("nope"), None);
    }

    #[test]
    fn flapping_alternates_by_phase() {
        let phase = FLAP_PHASE.as_secs();
        let at = |s| flapping_is_down(Duration::from_secs(s));
        assert!(!at(0));
        assert!(!at(phase - 1));
        assert!(at(phase));
        assert!(at(2 * phase - 1));
        assert!(!at(2 * phase));
        assert!(at(3 * phase));
    }
}
