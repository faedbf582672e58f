//! The push-only system's side of the push API (docs/api.md): every [`PUSH_EVERY`] it posts
//! `{"status": "up"}` with its bearer token to `/api/v1/push/{agency}/{system}/{check}`,
//! as a system inside a closed network would. It starts once the daemon is ready and
//! stops when its token is cancelled. The token is never logged.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use bytes::Bytes;
use http::{header, Request, StatusCode};
use http_body_util::Full;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::time::MissedTickBehavior;
use tokio_util::sync::CancellationToken;

/// How often the demo pushes a heartbeat.
pub const PUSH_EVERY: Duration = Duration::from_secs(5);
/// One push (connect, send, answer) gives up after this long.
const PUSH_TIMEOUT: Duration = Duration::from_secs(5);
const BODY: &[u8] = br#"{"status":"up","duration_seconds":0.05}"#;

/// Where and how to push.
pub struct Pusher {
    /// The daemon's address, reachable from here.
    pub daemon: SocketAddr,
    /// `/api/v1/push/{agency}/{system}/{check}`.
    pub path: String,
    /// The bearer token whose digest is in the config.
    pub token: String,
}

impl Pusher {
    /// Pushes at once once `ready` is cancelled, then every [`PUSH_EVERY`], until `stop`.
    pub async fn run(self, ready: CancellationToken, stop: CancellationToken) {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ready.cancelled() => {}
        }
        let mut ticks = tokio::time::interval(PUSH_EVERY);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.cancelled() => return,
                _ = ticks.tick() => {}
            }
            let pushed = tokio::select! {
                _ = stop.cancelled() => return,
                r = tokio::time::timeout(PUSH_TIMEOUT, post(self.daemon, &self.path, &self.token, BODY)) => {
                    r.unwrap_or_else(|_| Err(anyhow::anyhow!("no answer within {PUSH_TIMEOUT:?}")))
                }
            };
            match pushed {
                Ok(StatusCode::ACCEPTED) => {
                    tracing::debug!(path = %self.path, "demo push accepted")
                }
                Ok(status) => tracing::warn!(path = %self.path, %status, "demo push refused"),
                Err(e) => {
                    tracing::warn!(path = %self.path, error = %format!("{e:#}"), "demo push failed")
                }
            }
        }
    }
}

/// POSTs `body` (JSON) to `path` of the daemon with a bearer `token`, over a fresh
/// connection; returns the answer's status. Shared with the demo's indicator pushes.
pub async fn post(
    daemon: SocketAddr,
    path: &str,
    token: &str,
    body: impl Into<Bytes>,
) -> anyhow::Result<StatusCode> {
    let tcp = TcpStream::connect(daemon)
        .await
        .with_context(|| format!("connecting to {daemon}"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .context("HTTP handshake")?;
    let request = Request::post(path)
        .header(header::HOST, daemon.to_string())
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::USER_AGENT, "emcd-demo-pusher")
        .body(Full::new(body.into()))
        .context("building the push request")?;
    // The connection future drives the I/O while the request waits for its answer.
    tokio::select! {
        answer = sender.send_request(request) => Ok(answer.context("sending the push")?.status()),
        closed = connection => {
            closed.context("the connection failed")?;
            anyhow::bail!("the connection closed before an answer")
        }
    }
}
