//! HTTPS on the listener (`server.tls`, docs/configuration.md). The certificate is that
//! of the config in force: each handshake asks the fleet's current config for it, so a
//! reload (SIGHUP or `POST /-/reload`) that read a new pair gives new connections the new
//! certificate, and one that failed (a missing file, a key that is not the
//! certificate's) left the old config, and so the old certificate, in force. The
//! signing key is parsed once per pair, not per handshake.
//!
//! A client speaking plain HTTP to the port gets a plain `400` saying to use https://
//! rather than a reset; a TLS handshake that fails is logged at most once a minute
//! (`Throttle`), with the count and the last reason.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

use super::throttle::Throttle;
use crate::config::{ClientCert, ServerTls};
use crate::fleet::FleetHandle;

/// The acceptor of an HTTPS listener, and the count of failed handshakes.
pub struct Tls {
    acceptor: TlsAcceptor,
    failed: Mutex<Throttle>,
}

impl Tls {
    /// The listener's TLS if the config in force at start has `server.tls`. Whether the
    /// listener speaks TLS is fixed for the run; the certificate follows reloads.
    pub fn of(fleet: &FleetHandle) -> anyhow::Result<Option<Tls>> {
        let Some(ServerTls(pair)) = fleet.current().config.server.tls.clone() else {
            return Ok(None);
        };
        let key = certified(&pair)?;
        tracing::info!(
            cert_file = %pair.cert_file.display(),
            not_after = %crate::reload::expiry(&pair.chain),
            "server.tls: HTTPS on the listener"
        );
        let resolver = Resolver {
            fleet: fleet.clone(),
            cached: Mutex::new((pair, key)),
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(resolver));
        // The server speaks HTTP/1.1 only (connections.rs).
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Some(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            failed: Mutex::default(),
        }))
    }

    /// The TLS handshake of a new connection, finished before `deadline` (the header
    /// timeout counts from the accept); `None` if the connection is to be closed.
    pub(super) async fn accept(
        &self,
        tcp: TcpStream,
        peer: std::net::SocketAddr,
        deadline: Instant,
    ) -> Option<TlsStream<TcpStream>> {
        let left = || deadline.saturating_duration_since(Instant::now());
        let mut first = [0u8; 1];
        match tokio::time::timeout(left(), tcp.peek(&mut first)).await {
            // A request line (`GET / HTTP/1.1`) rather than a TLS record (0x16).
            Ok(Ok(1)) if first[0].is_ascii_alphabetic() => {
                tracing::debug!(%peer, "plain HTTP on the HTTPS listener");
                refuse_plain_http(tcp, left()).await;
                return None;
            }
            Ok(Ok(1)) => {}
            // Closed, failed or silent before the first byte: nothing worth a warning
            // (port scans, TCP health checks).
            _ => return None,
        }
        let why = match tokio::time::timeout(left(), self.acceptor.accept(tcp)).await {
            Ok(Ok(tls)) => return Some(tls),
            Ok(Err(e)) => e.to_string(),
            Err(_) => "not finished within server.header_timeout".to_owned(),
        };
        let mut failed = self.failed.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(n) = failed.hit() {
            tracing::warn!(%peer, error = %why, failures = n, "TLS handshakes failed");
        }
        None
    }
}

/// Answers a plain HTTP request with a `400` that says what to do, instead of a reset
/// the client would report as a broken connection. Bounded by `within`.
async fn refuse_plain_http(mut tcp: TcpStream, within: Duration) {
    const BODY: &str = "this port speaks HTTPS: use https:// (server.tls)\n";
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain; charset=utf-8\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{BODY}",
        BODY.len()
    );
    let exchange = async {
        // Read what has arrived of the request, so that closing does not reset the
        // connection under the answer; then answer, and wait for the client to close.
        let mut buf = vec![0u8; 16 * 1024];
        let _request_head = tcp.read(&mut buf).await?;
        tcp.write_all(answer.as_bytes()).await?;
        tcp.shutdown().await?;
        while tcp.read(&mut buf).await? > 0 {}
        Ok::<_, std::io::Error>(())
    };
    let _ = tokio::time::timeout(within.min(Duration::from_secs(2)), exchange).await;
}

/// The certificate and signing key of a pair that validation read and matched.
fn certified(pair: &ClientCert) -> anyhow::Result<Arc<CertifiedKey>> {
    let provider = rustls::crypto::ring::default_provider();
    let key = CertifiedKey::from_der(pair.chain.clone(), pair.key.0.clone_key(), &provider)
        .map_err(|e| {
            anyhow::anyhow!(
                "server.tls: {} and {}: {e}",
                pair.cert_file.display(),
                pair.key_file.display()
            )
        })?;
    Ok(Arc::new(key))
}

/// Gives each handshake the certificate of the config in force.
struct Resolver {
    fleet: FleetHandle,
    /// The pair last served and its parsed key.
    cached: Mutex<(Arc<ClientCert>, Arc<CertifiedKey>)>,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Resolver(server.tls)")
    }
}

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        let config = self.fleet.current().config.clone();
        let mut cached = self.cached.lock().unwrap_or_else(|p| p.into_inner());
        // A config without server.tls (it takes effect at the next restart) keeps the
        // last certificate.
        let Some(ServerTls(pair)) = &config.server.tls else {
            return Some(cached.1.clone());
        };
        if !Arc::ptr_eq(pair, &cached.0) {
            if **pair == *cached.0 {
                cached.0 = pair.clone();
            } else {
                match certified(pair) {
                    Ok(key) => *cached = (pair.clone(), key),
                    // Validation built this same key: not expected; keep serving.
                    Err(e) => {
                        tracing::error!(error = %e, "keeping the previous certificate");
                        cached.0 = pair.clone();
                    }
                }
            }
        }
        Some(cached.1.clone())
    }
}
