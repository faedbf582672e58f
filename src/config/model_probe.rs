//! The probe specs of the model: what an `http`, `tcp`, `push` or `browser` check (or a canary)
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
    /// Shared: every check with the default expectations holds the same one
    /// ([`Expect::shared_default`]), so that a large fleet keeps one copy.
    pub expect: Arc<Expect>,
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

impl Expect {
    /// The expectations of an http check without an `expect` section: a status of
    /// 200-399 when following redirects, else 200-299. One shared value of each, for
    /// every check (docs/BENCHMARKS.md, "Memory at 100,000 checks").
    pub fn shared_default(follow_redirects: bool) -> Arc<Expect> {
        static DEFAULTS: std::sync::OnceLock<[Arc<Expect>; 2]> = std::sync::OnceLock::new();
        let [follow, stay] = DEFAULTS.get_or_init(|| {
            [200..=399, 200..=299].map(|status| {
                Arc::new(Expect {
                    status: vec![status],
                    body_contains: None,
                    body_not_contains: None,
                    body_regex: None,
                    headers: Vec::new(),
                    json: Vec::new(),
                    max_response_time: None,
                })
            })
        });
        if follow_redirects { follow } else { stay }.clone()
    }
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

/// A `browser` check: one page loaded in headless Chromium (SPEC 14, docs/results.md).
#[derive(Clone, Debug, PartialEq)]
pub struct BrowserSpec {
    /// Absolute http(s) URL of the page.
    pub url: Url,
    pub viewport: Viewport,
    pub expect: PageExpect,
}

/// The window the page is laid out in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Viewport {
    pub width: u32,
    pub height: u32,
    /// A phone: touch, a mobile user agent's layout, device scale factor 2.625.
    pub mobile: bool,
}

impl Viewport {
    /// `viewport` when not given: a common laptop screen.
    pub const DESKTOP: Viewport = Viewport {
        width: 1366,
        height: 768,
        mobile: false,
    };
    /// `mobile: true` without `viewport`: a common Android phone.
    pub const MOBILE: Viewport = Viewport {
        width: 412,
        height: 915,
        mobile: true,
    };
}

/// The thresholds of a page load; the first four default to the 2025 criteria.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageExpect {
    pub fcp: Duration,
    pub lcp: Duration,
    pub speed_index: Duration,
    pub tbt: Duration,
    /// A load event later than this is a failure (`too_slow`); the others only degrade.
    pub max_response_time: Option<Duration>,
}

impl PageExpect {
    /// The 2025 criteria: first content < 3 s, largest content < 4 s, full visual display
    /// < 5.8 s, blocking time < 0.6 s.
    pub const CRITERIA: PageExpect = PageExpect {
        fcp: Duration::from_secs(3),
        lcp: Duration::from_secs(4),
        speed_index: Duration::from_millis(5800),
        tbt: Duration::from_millis(600),
        max_response_time: None,
    };

    /// The four thresholds, in the order of `result::PageFigures::NAMES`.
    pub fn as_array(&self) -> [Duration; 4] {
        [self.fcp, self.lcp, self.speed_index, self.tbt]
    }
}

/// `probing.browser`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProbingBrowser {
    /// The Chromium found (`probing.browser.executable`, else `chromium`,
    /// `chromium-browser` or `google-chrome` on `PATH`); `None` when there is none, which
    /// is a config error as soon as a browser check exists.
    pub executable: Option<PathBuf>,
    /// Pages loading at once, at most; at least 1. Default 2.
    pub max_concurrent: usize,
}

impl Default for ProbingBrowser {
    fn default() -> Self {
        ProbingBrowser {
            executable: None,
            max_concurrent: 2,
        }
    }
}
