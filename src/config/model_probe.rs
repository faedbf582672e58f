//! The probe specs of the model: what an `http`, `tcp` or `push` check (or a canary)
//! measures, and the TLS settings of a probe (`tls`: the CAs it trusts, the client
//! certificate it presents, the name it asks for). Part of `model`, split off to keep
//! files short; like the rest of the model, a value here is a valid one: the files a
//! `tls` key names were read and parsed by `config::load`.

use std::hash::{Hash, Hasher};
use std::ops::RangeInclusive;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use regex::Regex;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use url::Url;

#[derive(Clone, Debug, PartialEq)]
pub struct HttpSpec {
    pub url: Url,
    pub method: Method,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Option<String>,
    pub follow_redirects: bool,
    pub insecure_skip_verify: bool,
    /// `tls`: private CA, client certificate, server name.
    pub tls: ProbeTls,
    pub expect: Expect,
}

#[derive(Clone, Debug)]
pub struct Expect {
    /// Never empty: defaults to 200-399 when following redirects, else 200-299.
    pub status: Vec<RangeInclusive<u16>>,
    pub body_contains: Option<String>,
    pub body_not_contains: Option<String>,
    pub body_regex: Option<Regex>,
    /// Header name -> regex over its value.
    pub headers: Vec<(HeaderName, Regex)>,
    pub json: Vec<JsonExpect>,
    pub max_response_time: Option<Duration>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct JsonExpect {
    /// The path as written, for messages.
    pub path_text: String,
    pub path: Vec<JsonStep>,
    pub equals: serde_json::Value,
}

/// One step of the JSONPath subset `$.a.b[0].c`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JsonStep {
    Key(String),
    Index(usize),
}

#[derive(Clone, Debug, PartialEq)]
pub struct TcpSpec {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    pub insecure_skip_verify: bool,
    /// `ca_file`, `cert_file`, `key_file`, `server_name` (only with `tls`).
    pub tls_options: ProbeTls,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PushSpec {
    /// SHA-256 of the bearer token.
    pub token_digest: [u8; 32],
    pub max_silence: Duration,
}

/// The TLS settings of one probe beyond `insecure_skip_verify`. The default (nothing set)
/// is the prober's shared configs: the system's roots plus `probing.tls.ca_files`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct ProbeTls {
    /// `ca_file`: CAs trusted by this probe in addition to the prober's roots.
    pub ca: Option<Arc<PemCerts>>,
    /// `cert_file` and `key_file`: the certificate presented to a server that asks for one.
    pub client: Option<Arc<ClientCert>>,
    /// `server_name`: the name sent (SNI) and verified instead of the URL's or `host`'s,
    /// for probing by IP address. Only for the host the check names, not a redirect's.
    pub server_name: Option<String>,
}

impl ProbeTls {
    /// Whether the probe needs a client config of its own (not one of the shared ones).
    pub fn is_custom(&self) -> bool {
        self.ca.is_some() || self.client.is_some()
    }
}

/// The certificates of one PEM file, as read when the config was loaded.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PemCerts {
    /// As resolved (relative to the file that names it), for messages.
    pub path: PathBuf,
    /// Not empty; each one parsed as an X.509 certificate.
    pub certs: Vec<CertificateDer<'static>>,
}

/// A client certificate chain and its private key (checked to match).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ClientCert {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
    /// The leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    pub key: ClientKey,
}

/// A private key: `Debug` shows `***`; equal and hashed by its bytes.
#[derive(Clone)]
pub struct ClientKey(pub Arc<PrivateKeyDer<'static>>);

impl std::fmt::Debug for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientKey(***)")
    }
}

impl PartialEq for ClientKey {
    fn eq(&self, o: &Self) -> bool {
        self.0.secret_der() == o.0.secret_der()
    }
}

impl Eq for ClientKey {}

impl Hash for ClientKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.secret_der().hash(state);
    }
}

/// `probing.tls`: what every probe trusts besides the system's roots.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProbingTls {
    /// `probing.tls.ca_files`, in order.
    pub ca_files: Vec<PemCerts>,
}
