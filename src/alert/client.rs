//! The HTTP clients of alert deliveries (docs/alerts.md, "Proxies and private CAs"):
//! reqwest over a rustls config on ring, one client per distinct transport of a receiver
//! (its `proxy` and `ca_file`), built the first time a delivery needs it and shared by
//! every receiver with that transport; a reload that leaves no receiver with a transport
//! drops its client.
//!
//! - Trust: the system's CA roots, the daemon's extra roots (the demo's CA) and the
//!   receiver's `ca_file`; not `probing.tls.ca_files`, which are the probes'.
//! - Proxy: none configured means the environment's `HTTPS_PROXY`, `HTTP_PROXY`,
//!   `ALL_PROXY` and `NO_PROXY` (or their lowercase forms), read by reqwest when the
//!   client is built; `proxy: direct` means none; `proxy: URL` means that proxy for
//!   every delivery of the receiver. A proxy's password is never logged or shown.
//! - A fresh connection per attempt (no idle connection is kept): deliveries are rare,
//!   and a pooled connection the receiver (or a proxy) just closed would fail an attempt
//!   for nothing. One deadline per attempt.
//!
//! Probes never use this: they measure phases on their own connections (`probe/`) and
//! never go through a proxy.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::header::RETRY_AFTER;
use http::{HeaderName, HeaderValue};
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};
use url::{Position, Url};

use crate::config::{Proxy, Transport};

/// The answer to a POST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `Retry-After` as the receiver sent it (parsed and bounded by the caller).
    pub retry_after: Option<String>,
}

/// The environment variables of proxies, in the order reqwest reads them (the first one
/// set of each pair wins).
const PROXY_VARS: [[&str; 2]; 4] = [
    ["HTTPS_PROXY", "https_proxy"],
    ["HTTP_PROXY", "http_proxy"],
    ["ALL_PROXY", "all_proxy"],
    ["NO_PROXY", "no_proxy"],
];

/// The delivery clients of a daemon, by transport. Shared (`Arc`) by every sender.
pub struct Clients {
    user_agent: String,
    /// The system's roots and the daemon's extra ones: a `ca_file` is trusted on top.
    roots: RootCertStore,
    /// Locked only to look up, insert or prune, never across an await.
    built: Mutex<HashMap<Transport, Client>>,
}

impl Clients {
    /// Clients trusting the system's roots and `extra_roots`, sending `user_agent`. The
    /// client of receivers with neither `proxy` nor `ca_file` is built at once (so a
    /// setup error stops the start), and the environment's proxies are logged.
    pub fn new(
        user_agent: &str,
        extra_roots: &[CertificateDer<'static>],
    ) -> Result<Clients, String> {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(crate::probe::system_roots());
        for (i, root) in extra_roots.iter().enumerate() {
            roots
                .add(root.clone())
                .map_err(|e| format!("extra CA root #{i}: {e}"))?;
        }
        let clients = Clients {
            user_agent: user_agent.to_owned(),
            roots,
            built: Mutex::default(),
        };
        clients.get(&Transport::default())?;
        log_environment();
        Ok(clients)
    }

    /// The client of `transport`, built now if no delivery needed it yet.
    pub fn get(&self, transport: &Transport) -> Result<Client, String> {
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(client) = built.get(transport) {
            return Ok(client.clone());
        }
        let client = Client::build(&self.user_agent, &self.roots, transport)?;
        built.insert(transport.clone(), client.clone());
        Ok(client)
    }

    /// Keeps only the clients of `transports` (the receivers of the current config).
    pub fn retain<'a>(&self, transports: impl IntoIterator<Item = &'a Transport>) {
        let keep: Vec<&Transport> = transports.into_iter().collect();
        let mut built = self.built.lock().unwrap_or_else(|p| p.into_inner());
        built.retain(|t, _| keep.contains(&t));
    }

    /// How many clients are built and kept.
    pub fn len(&self) -> usize {
        self.built.lock().map_or(0, |b| b.len())
    }

    /// Whether no client is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Logs the proxies deliveries take from the environment (passwords hidden), and warns
/// about a value reqwest would ignore (deliveries would then go direct).
fn log_environment() {
    let mut set = Vec::new();
    for [upper, lower] in PROXY_VARS {
        let Some((name, value)) = [upper, lower]
            .into_iter()
            .find_map(|n| std::env::var(n).ok().map(|v| (n, v)))
        else {
            continue;
        };
        if name.eq_ignore_ascii_case("NO_PROXY") || value.is_empty() {
            set.push(format!("{name}={value}"));
            continue;
        }
        let shown = crate::config::redact_proxy(&value);
        if let Err(why) = usable_proxy(&value) {
            tracing::warn!(
                variable = name,
                value = %shown,
                "{why}: deliveries ignore this variable (a receiver's `proxy` is used whatever the environment says)"
            );
        }
        set.push(format!("{name}={shown}"));
    }
    if !set.is_empty() {
        tracing::info!(
            environment = %set.join(" "),
            "alert deliveries to receivers without `proxy` honour these proxy variables; probes never use a proxy"
        );
    }
}

/// Whether reqwest uses an environment proxy value: an http(s) URL with a host (a value
/// without a scheme is taken as http).
fn usable_proxy(value: &str) -> Result<(), String> {
    let uri: http::Uri = value
        .parse()
        .map_err(|e| format!("not a proxy URL ({e})"))?;
    match uri.scheme_str() {
        None | Some("http") | Some("https") => {}
        Some(other) => return Err(format!("unsupported proxy scheme {other:?}")),
    }
    match uri.authority() {
        Some(_) => Ok(()),
        None => Err("no host".to_owned()),
    }
}

/// One transport's client. Cheap to clone (reqwest's client is an `Arc` inside).
#[derive(Clone, Debug)]
pub struct Client {
    http: reqwest::Client,
    /// `through proxy URL` (password hidden) when the receiver names a proxy.
    via: Option<String>,
}

impl Client {
    fn build(user_agent: &str, roots: &RootCertStore, t: &Transport) -> Result<Client, String> {
        let mut roots = roots.clone();
        if let Some(ca) = &t.ca {
            for cert in &ca.certs {
                roots
                    .add(cert.clone())
                    .map_err(|e| format!("CA file \"{}\": {e}", ca.path.display()))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut tls = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS setup for deliveries: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let builder = reqwest::Client::builder()
            .user_agent(user_agent)
            .pool_max_idle_per_host(0)
            .redirect(reqwest::redirect::Policy::none())
            .tls_backend_preconfigured(tls);
        let (builder, via) = match &t.proxy {
            // reqwest reads HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY when it builds.
            Proxy::Environment => (builder, None),
            Proxy::Direct => (builder.no_proxy(), None),
            Proxy::Url(url) => {
                let proxy = reqwest::Proxy::all(url.url().as_str())
                    .map_err(|e| format!("proxy {url}: {}", chain(&e.without_url())))?;
                (builder.proxy(proxy), Some(format!("through proxy {url}")))
            }
        };
        let http = builder
            .build()
            .map_err(|e| format!("HTTP client for deliveries: {}", chain(&e.without_url())))?;
        Ok(Client { http, via })
    }

    /// POSTs `body` to `url` with `headers` within `timeout`. `Err` carries a message
    /// naming what failed (connection, TLS, HTTP, timeout) and the proxy the receiver
    /// names, never the URL's password or query, nor the proxy's password.
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
        let target = match &self.via {
            Some(via) => format!("{origin} {via}"),
            None => origin.to_owned(),
        };
        let response = request.send().await.map_err(|e| {
            if e.is_timeout() {
                format!(
                    "no answer from {target} within {}",
                    humantime::format_duration(timeout)
                )
            } else {
                format!("POST to {target}: {}", explain(&chain(&e.without_url())))
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

/// `message`, and what to do about a certificate no trusted CA signed.
fn explain(message: &str) -> String {
    if message.contains("UnknownIssuer") {
        format!(
            "{message} (the receiver's certificate is not signed by a CA emcd trusts: name the receiver's CA in its `ca_file`)"
        )
    } else {
        message.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environment_values() {
        assert!(usable_proxy("http://proxy.gov.vn:3128").is_ok());
        assert!(usable_proxy("proxy.gov.vn:3128").is_ok());
        assert!(usable_proxy("https://u:p@proxy.gov.vn").is_ok());
        assert_eq!(
            usable_proxy("socks5://proxy:1080"),
            Err("unsupported proxy scheme \"socks5\"".to_owned())
        );
        assert!(usable_proxy("http://").is_err());
        assert!(usable_proxy("not a url").is_err());
    }

    #[test]
    fn one_client_per_transport_until_pruned() {
        let clients = Clients::new("emcd/test", &[]).unwrap();
        assert_eq!(clients.len(), 1, "the default transport's, built at once");
        let direct = Transport {
            proxy: Proxy::Direct,
            ca: None,
        };
        let key = rcgen::KeyPair::generate().unwrap();
        let ca = rcgen::CertificateParams::new(vec!["ca.test".into()]).unwrap();
        let ca = ca.self_signed(&key).unwrap();
        let with_ca = Transport {
            ca: Some(Arc::new(crate::config::PemCerts {
                path: "ca.pem".into(),
                certs: vec![ca.der().clone()],
            })),
            ..Transport::default()
        };
        clients.get(&direct).unwrap();
        clients.get(&direct).unwrap();
        clients.get(&with_ca.clone()).unwrap();
        assert_eq!(clients.len(), 3);
        clients.retain([&with_ca]);
        assert_eq!(clients.len(), 1);
    }

    #[test]
    fn unknown_issuer_says_what_to_do() {
        assert!(explain("invalid peer certificate: UnknownIssuer").contains("ca_file"));
        assert_eq!(explain("connection refused"), "connection refused");
    }
}
