//! The HTTP client of alert deliveries (docs/alerts.md): reqwest over a rustls config on
//! ring with the system's CA roots plus the daemon's extra roots (the ones probes
//! trust), a fresh connection per attempt, no proxy (emcd's listener and
//! receivers are reached directly), one deadline per attempt. Probes never use it:
//! they measure phases on their own connections (`probe/`).

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::header::RETRY_AFTER;
use http::{HeaderName, HeaderValue};
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use url::{Position, Url};

/// The answer to a POST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `Retry-After` as the receiver sent it (parsed and bounded by the caller).
    pub retry_after: Option<String>,
}

/// Cheap to clone (reqwest's client is an `Arc` inside).
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
}

impl Client {
    /// A client trusting the system's roots and `extra_roots`, sending `user_agent`.
    pub fn new(
        user_agent: &str,
        extra_roots: &[CertificateDer<'static>],
    ) -> Result<Client, String> {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(crate::probe::system_roots());
        for (i, root) in extra_roots.iter().enumerate() {
            roots
                .add(root.clone())
                .map_err(|e| format!("extra CA root #{i}: {e}"))?;
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup for deliveries: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let http = reqwest::Client::builder()
            .user_agent(user_agent)
            .no_proxy()
            // A fresh connection per attempt, as a receiver that closes after each
            // answer expects: deliveries are rare, and a pooled connection the receiver
            // just closed would fail an attempt for nothing.
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_preconfigured(tls)
            .build()
            .map_err(|e| format!("HTTP client for deliveries: {}", chain(&e)))?;
        Ok(Client { http })
    }

    /// POSTs `body` to `url` with `headers` within `timeout`. `Err` carries a message
    /// naming what failed (connection, TLS, HTTP, timeout) and never the URL's
    /// password or query.
    pub async fn post(
        &self,
        url: &Url,
        headers: &[(HeaderName, HeaderValue)],
        body: Bytes,
        timeout: Duration,
    ) -> Result<Answer, String> {
        let mut request = self.http.post(url.clone()).timeout(timeout).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let origin = &url[Position::BeforeHost..Position::AfterPort];
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                format!(
                    "no answer from {origin} within {}",
                    humantime::format_duration(timeout)
                )
            } else {
                format!("POST to {origin}: {}", chain(&e.without_url()))
            }
        })?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // Read (and drop) the body so the receiver sees a complete exchange.
        let _ = response.bytes().await;
        Ok(Answer {
            status,
            retry_after,
        })
    }
}

/// An error and its sources, `: `-joined (reqwest's own text says little).
fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}
