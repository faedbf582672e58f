//! Accepting connections within bounds (docs/limits.md, "The HTTP server"): at most
//! `server.max_connections` open (past it a new connection is closed at once, counted in
//! `emcd_http_connections_rejected_total` and logged once a minute), each closed when
//! its client takes longer than `server.header_timeout` to send a request's headers or
//! stays idle for `server.idle_timeout`, and a request's headers held to 64 KiB. So
//! nobody who can reach the port can take the descriptors or the memory the probes need.
//! With `server.tls` the TLS handshake comes first, within the header timeout.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use http::Request;
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;

use super::activity::{Activity, Tracked, Verdict};
use super::throttle::Throttle;
use super::tls::Tls;
use crate::api::AppState;

/// The bounds on the server's connections, from `server.*` (read at start).
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub idle_timeout: Duration,
}

impl Limits {
    pub fn of(server: &crate::config::Server) -> Limits {
        Limits {
            max_connections: server.max_connections,
            header_timeout: server.header_timeout,
            idle_timeout: server.idle_timeout,
        }
    }
}

/// The read buffer of a connection, and so the largest request head accepted (431 past it).
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// Serves until `shutdown` is cancelled; open connections are closed gracefully. With
/// `tls`, HTTPS.
pub async fn serve(
    listener: TcpListener,
    app: Arc<AppState>,
    limits: Limits,
    tls: Option<Tls>,
    shutdown: CancellationToken,
) {
    let tls = tls.map(Arc::new);
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let (mut refused, mut failed) = (Throttle::default(), Throttle::default());
    loop {
        let (stream, peer) = tokio::select! {
            _ = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Usually EMFILE: back off briefly instead of spinning.
                    if let Some(n) = failed.hit() {
                        tracing::warn!(error = %e, failures = n, "accepting a connection failed");
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            drop(stream);
            app.metrics.http_connections_rejected.inc();
            if let Some(n) = refused.hit() {
                tracing::warn!(
                    max_connections = limits.max_connections,
                    refused = n,
                    "connections refused: server.max_connections are open"
                );
            }
            continue;
        };
        let conn = Connection {
            app: app.clone(),
            peer,
            limits,
            _permit: permit,
        };
        tokio::spawn(conn.run(stream, tls.clone(), shutdown.clone()));
    }
}

struct Connection {
    app: Arc<AppState>,
    peer: SocketAddr,
    limits: Limits,
    /// Holds one of the `max_connections` places until the connection ends.
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn run(self, stream: TcpStream, tls: Option<Arc<Tls>>, shutdown: CancellationToken) {
        let open = self.app.metrics.http_connections_open.clone();
        open.inc();
        // The header timeout counts from the accept, the handshake included.
        let activity = Activity::new();
        match tls {
            None => self.serve(stream, activity, shutdown).await,
            Some(tls) => {
                let deadline = Instant::now() + self.limits.header_timeout;
                let handshake = tls.accept(stream, self.peer, deadline);
                let stream = tokio::select! {
                    s = handshake => s,
                    _ = shutdown.cancelled() => None,
                };
                if let Some(stream) = stream {
                    self.serve(stream, activity, shutdown).await;
                }
            }
        }
        open.dec();
    }

    async fn serve<S>(self, stream: S, activity: Arc<Activity>, shutdown: CancellationToken)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let (app, peer) = (self.app.clone(), self.peer);
        let requests = activity.clone();
        let service = service_fn(move |mut req: Request<Incoming>| {
            // The peer's address, for handlers that need it (push logs it).
            req.extensions_mut().insert(peer);
            let app = app.clone();
            let in_flight = requests.request();
            async move {
                let response = super::routes::route(&app, req).await;
                drop(in_flight);
                Ok::<_, Infallible>(response)
            }
        });
        let io = TokioIo::new(Tracked::new(stream, activity.clone()));
        let conn = hyper::server::conn::http1::Builder::new()
            .max_buf_size(MAX_HEAD_BYTES)
            .serve_connection(io, service);
        tokio::pin!(conn);
        let (header_timeout, idle_timeout) = (self.limits.header_timeout, self.limits.idle_timeout);
        let mut wait = header_timeout.min(idle_timeout);
        let result = loop {
            tokio::select! {
                r = conn.as_mut() => break r,
                _ = shutdown.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    break conn.as_mut().await;
                }
                _ = tokio::time::sleep(wait) => match activity.verdict(header_timeout, idle_timeout) {
                    Verdict::Wait(d) => wait = d,
                    closed => {
                        tracing::debug!(%peer, reason = ?closed, "closing a connection");
                        break Ok(());
                    }
                },
            }
        };
        if let Err(e) = result {
            tracing::debug!(%peer, error = %e, "connection ended with an error");
        }
    }
}
