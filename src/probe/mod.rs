//! Probes (docs/results.md): one measurement of an endpoint, returned as a value. A probe never
//! writes to the store, the metrics or the alerts; the caller does. A failed probe is
//! data (an [`Outcome`] with a `Down` verdict), not an `Err`.
//!
//! [`Prober`] is the one dispatch point; each probe kind has its own file (`http`, `tcp`)
//! or directory (`browser`: a page load in headless Chromium, which the prober owns),
//! built on shared parts: `dns` (resolution), `net` (resolve + connect), `tls_configs`
//! (the client configs, one per distinct TLS setting), `tls` (verifier, handshake, error sorting), `cert` (DER `notAfter`), `expect` (HTTP expectations),
//! `clock` (phases). `cli` is `emcd probe` (`cli_render` prints it). Nothing here holds per-probe state between
//! probes, and nothing here is global.

use std::time::Duration;

use ::http::HeaderValue;
use rustls::pki_types::CertificateDer;

use crate::config::{BrowserSpec, CheckKind, HttpSpec, Policy, Probing, ProbingBrowser, TcpSpec};
use crate::result::{ErrorKind, PageFigures, ResultKind};

pub mod browser;
mod cert;
pub mod cli;
mod cli_browser;
mod cli_render;
mod clock;
mod dns;
mod expect;
mod http;
mod net;
mod tcp;
mod tls;
mod tls_configs;
mod vantage;

pub use crate::result::Phases;
pub use cert::not_after;
pub use tls::{parse_certs, system_roots};

/// What one probe measured.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Total duration of the probe.
    pub duration: Duration,
    pub phases: Phases,
    /// Last HTTP status seen (after redirects), if any.
    pub status_code: Option<u16>,
    /// Unix seconds of the earliest `notAfter` in the presented chain, if TLS was used.
    pub cert_expiry: Option<i64>,
    /// `Up`, `Degraded` or `Down`; `Unknown` (error `Vantage`) when the probe could not
    /// leave the monitor. Probes never produce `Maintenance`.
    pub result: ResultKind,
    /// Set exactly when `result` is `Down` or `Unknown`.
    pub error: Option<ErrorKind>,
    /// Human-readable detail of a failure (never a secret).
    pub message: Option<String>,
    /// What a browser check measured of the page; `None` for other kinds and for a page
    /// that did not load.
    pub page: Option<PageFigures>,
}

/// What can go wrong while building a [`Prober`] (never while probing).
#[derive(Debug, thiserror::Error)]
pub enum ProbeSetupError {
    #[error("user agent {0:?} is not a valid header value")]
    UserAgent(String),
    #[error("extra CA root #{index} rejected: {source}")]
    ExtraRoot { index: usize, source: rustls::Error },
    #[error("reading CA certificates: {0}")]
    Pem(String),
    #[error("TLS setup: {0}")]
    Tls(String),
}

/// Runs probes. Built once and shared (`Arc<Prober>`): it holds what every probe reuses,
/// so that a probe allocates no TLS config, root store or header of its own.
pub struct Prober {
    /// rustls client configs (verifying and insecure, for HTTP and for raw TCP).
    tls: tls_configs::TlsConfigs,
    /// `User-Agent` of every HTTP probe.
    user_agent: HeaderValue,
    /// The local address probes leave from (`probing.source_address`), if set.
    source: Option<std::net::IpAddr>,
    /// The Chromium of browser checks, when one was found (`probing.browser`).
    browser: Option<browser::Browser>,
}

impl Prober {
    /// Loads the system roots (rustls-native-certs) plus `extra_roots` (the demo uses its
    /// own CA; see [`parse_certs`] to read PEM or DER). No system root is not an error:
    /// it is logged, and only `extra_roots` are trusted.
    pub fn new(
        user_agent: &str,
        extra_roots: &[CertificateDer<'static>],
    ) -> Result<Prober, ProbeSetupError> {
        Self::with_system_roots(user_agent, system_roots(), extra_roots)
    }

    fn with_system_roots(
        user_agent: &str,
        system_roots: Vec<CertificateDer<'static>>,
        extra_roots: &[CertificateDer<'static>],
    ) -> Result<Prober, ProbeSetupError> {
        let user_agent = HeaderValue::from_str(user_agent)
            .map_err(|_| ProbeSetupError::UserAgent(user_agent.to_owned()))?;
        let tls = tls_configs::TlsConfigs::new(system_roots, extra_roots)?;
        Ok(Prober {
            tls,
            user_agent,
            source: None,
            browser: None,
        })
    }

    /// The prober of `emcd run`: `probing`'s user agent, source address and
    /// `tls.ca_files` (read and parsed at load), plus `extra_roots`.
    pub fn of_probing(
        probing: &Probing,
        extra_roots: &[CertificateDer<'static>],
    ) -> Result<Prober, ProbeSetupError> {
        let ca_files = probing.tls.ca_files.iter().flat_map(|f| f.certs.iter());
        let roots: Vec<_> = extra_roots.iter().chain(ca_files).cloned().collect();
        let prober = Prober::new(&probing.user_agent, &roots)?;
        Ok(prober
            .with_source_address(probing.source_address)
            .with_browser(&probing.browser))
    }

    /// Browser checks load their pages in `settings.executable` (none without it).
    /// Chromium starts at the first load, not here.
    pub fn with_browser(mut self, settings: &ProbingBrowser) -> Prober {
        self.browser = settings
            .executable
            .clone()
            .map(|path| browser::Browser::new(settings, path));
        self
    }

    /// The Chromium of browser checks, if any (the benchmark reads its process).
    pub fn chromium(&self) -> Option<&browser::Browser> {
        self.browser.as_ref()
    }

    /// Probes leave from `source` (a local address) rather than the system's choice.
    pub fn with_source_address(mut self, source: Option<std::net::IpAddr>) -> Prober {
        self.source = source;
        self
    }

    /// One HTTP(S) probe (docs/results.md), bounded by `policy.timeout`.
    pub async fn http(&self, spec: &HttpSpec, policy: &Policy) -> Outcome {
        http::probe(self, spec, policy).await
    }

    /// One TCP probe (connect, optional TLS handshake, close), bounded by `policy.timeout`.
    pub async fn tcp(&self, spec: &TcpSpec, policy: &Policy) -> Outcome {
        tcp::probe(self, spec, policy).await
    }

    /// One page load in headless Chromium (docs/results.md, "Page loads"), bounded by
    /// `policy.timeout`. `unknown` (`vantage`) when the prober has no browser.
    pub async fn browser(&self, spec: &BrowserSpec, policy: &Policy) -> Outcome {
        match &self.browser {
            Some(b) => browser::probe(b, spec, policy).await,
            None => Outcome {
                duration: Duration::ZERO,
                phases: Phases::default(),
                status_code: None,
                cert_expiry: None,
                result: ResultKind::Unknown,
                error: Some(ErrorKind::Vantage),
                message: Some("no Chromium to load the page (probing.browser)".into()),
                page: None,
            },
        }
    }

    /// The dispatch point: runs the probe of a check's kind. `None` for `push` checks,
    /// which are not probed (they report to emcd).
    pub async fn run(&self, kind: &CheckKind, policy: &Policy) -> Option<Outcome> {
        match kind {
            CheckKind::Http(spec) => Some(self.http(spec, policy).await),
            CheckKind::Tcp(spec) => Some(self.tcp(spec, policy).await),
            CheckKind::Browser(spec) => Some(self.browser(spec, policy).await),
            CheckKind::Push(_) => None,
        }
    }
}

/// Why a probe is `down`: the kind and a message naming what failed.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Failure {
    pub(crate) kind: ErrorKind,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Failure {
        Failure {
            kind,
            message: message.into(),
        }
    }

    /// The probe's deadline passed while `phase` was running.
    pub(crate) fn timed_out(timeout: Duration, phase: clock::Phase) -> Failure {
        let after = humantime::format_duration(timeout);
        let message = format!("timed out after {after} (during {})", phase.as_str());
        Failure::new(ErrorKind::Timeout, message)
    }
}

/// What a probe kind measured, turned into an [`Outcome`] with its verdict: `down` with
/// the failure if any, else `degraded` when slower than `policy.degraded_after`, else `up`.
pub(crate) struct Measured {
    pub(crate) duration: Duration,
    pub(crate) phases: Phases,
    pub(crate) status_code: Option<u16>,
    pub(crate) cert_expiry: Option<i64>,
    pub(crate) failure: Option<Failure>,
}

impl Measured {
    pub(crate) fn into_outcome(self, policy: &Policy) -> Outcome {
        let (result, error, message) = match self.failure {
            // The monitor's own failure says nothing of the target (docs/results.md).
            Some(f) if f.kind == ErrorKind::Vantage => {
                (ResultKind::Unknown, Some(f.kind), Some(f.message))
            }
            Some(f) => (ResultKind::Down, Some(f.kind), Some(f.message)),
            None if self.duration > policy.degraded_after => (ResultKind::Degraded, None, None),
            None => (ResultKind::Up, None, None),
        };
        Outcome {
            duration: self.duration,
            phases: self.phases,
            status_code: self.status_code,
            cert_expiry: self.cert_expiry,
            result,
            error,
            message,
            page: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    /// The scheduler shares one prober and runs probes in `tokio::spawn`.
    #[allow(dead_code)]
    fn prober_and_probes_are_send(p: Arc<Prober>, kind: CheckKind, policy: Policy) {
        fn is_send<T: Send + Sync>(_: &T) {}
        fn future_is_send<F: std::future::Future + Send>(_: F) {}
        is_send(&p);
        future_is_send(async move { p.run(&kind, &policy).await });
    }

    #[test]
    fn verdicts() {
        let policy = Policy {
            interval: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            failure_threshold: 3,
            success_threshold: 2,
            degraded_after: Duration::from_secs(3),
            slo_availability: 99.5,
            cert_min_days: 14,
            vantages: Vec::new(),
            quorum: None,
        };
        let measured = |secs, failure| Measured {
            duration: Duration::from_secs(secs),
            phases: Phases::default(),
            status_code: None,
            cert_expiry: None,
            failure,
        };
        assert_eq!(
            measured(3, None).into_outcome(&policy).result,
            ResultKind::Up
        );
        assert_eq!(
            measured(4, None).into_outcome(&policy).result,
            ResultKind::Degraded
        );
        let down = measured(1, Some(Failure::new(ErrorKind::Status, "s"))).into_outcome(&policy);
        assert_eq!(
            (down.result, down.error),
            (ResultKind::Down, Some(ErrorKind::Status))
        );
        assert_eq!(down.message.as_deref(), Some("s"));
    }

    #[test]
    fn bad_user_agent_is_a_setup_error() {
        let err = Prober::with_system_roots("a\nb", Vec::new(), &[])
            .err()
            .unwrap();
        assert!(matches!(err, ProbeSetupError::UserAgent(_)));
    }
}
