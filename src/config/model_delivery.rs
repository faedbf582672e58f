//! How alert deliveries reach a receiver (docs/alerts.md, "Proxies and private CAs"): the
//! proxy they go through (`proxy`) and the CAs they trust besides the system's
//! (`ca_file`). Part of `model`, split off like `model_probe`. Probes have no such
//! setting: they never use a proxy.

use std::fmt;
use std::sync::Arc;

use url::Url;

use super::model_probe::PemCerts;

/// The transport of one receiver's deliveries. Receivers with equal transports share one
/// HTTP client (`alert::client`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Transport {
    /// `proxy`.
    pub proxy: Proxy,
    /// `ca_file`: CAs trusted for this receiver besides the system's (read at load).
    pub ca: Option<Arc<PemCerts>>,
}

/// Whether and through what a receiver's deliveries go through a proxy.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub enum Proxy {
    /// No `proxy` key: `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and `NO_PROXY` (or their
    /// lowercase forms) of emcd's environment, as curl reads them.
    #[default]
    Environment,
    /// `proxy: direct`: never through a proxy, whatever the environment says.
    Direct,
    /// `proxy: URL`: every delivery through this proxy, whatever the environment says
    /// (`NO_PROXY` included).
    Url(ProxyUrl),
}

/// The URL of an HTTP(S) proxy: scheme `http` or `https`, a host, maybe a port and
/// `user:password`. `Display` and `Debug` show it with the password replaced by `***`:
/// only the HTTP client sees [`ProxyUrl::url`].
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ProxyUrl(Url);

impl ProxyUrl {
    /// `url` as checked by the config's parser (`scalar::proxy`).
    pub(crate) fn new(url: Url) -> ProxyUrl {
        ProxyUrl(url)
    }

    /// The URL with its credentials, for the HTTP client; never print it.
    pub fn url(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            let _ = shown.set_password(Some("***"));
        }
        f.write_str(shown.as_str())
    }
}

impl fmt::Debug for ProxyUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ProxyUrl({self})")
    }
}
