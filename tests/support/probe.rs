//! Probe inputs built directly, without a config file: default `HttpSpec`,
//! `TcpSpec` and `Policy` values, a `Prober` with extra roots, and the check that an
//! outcome's phases account for its whole duration.

use std::net::SocketAddr;
use std::time::Duration;

use emcd::config::{Expect, HttpSpec, Policy, TcpSpec};
use emcd::probe::{Outcome, Prober};
use rustls::pki_types::CertificateDer;

pub fn http_spec(url: &str) -> HttpSpec {
    HttpSpec {
        url: url.parse().unwrap(),
        method: http::Method::GET,
        headers: Vec::new(),
        body: None,
        follow_redirects: true,
        insecure_skip_verify: false,
        tls: Default::default(),
        expect: Expect::shared_default(true),
    }
}

pub fn tcp_spec(addr: SocketAddr, tls: bool) -> TcpSpec {
    TcpSpec {
        host: addr.ip().to_string(),
        port: addr.port(),
        tls,
        insecure_skip_verify: false,
        tls_options: Default::default(),
    }
}

pub fn policy(timeout: Duration, degraded_after: Duration) -> Policy {
    Policy {
        interval: timeout * 2,
        timeout,
        failure_threshold: 3,
        success_threshold: 2,
        degraded_after,
        slo_availability: 99.5,
        cert_min_days: 14,
        vantages: Vec::new(),
        quorum: None,
    }
}

/// 5 s timeout, 2 s degraded_after: roomy on a loaded machine.
pub fn roomy() -> Policy {
    policy(Duration::from_secs(5), Duration::from_secs(2))
}

pub fn prober(extra_roots: &[CertificateDer<'static>]) -> Prober {
    Prober::new("emcd-test/1", extra_roots).unwrap()
}

/// The phases account for the whole duration.
pub fn assert_phases_sum(o: &Outcome) {
    let sum: Duration = o.phases.as_array().iter().sum();
    let gap = sum.abs_diff(o.duration);
    assert!(
        gap <= Duration::from_micros(1),
        "phases {:?} sum to {sum:?}, total {:?}",
        o.phases,
        o.duration
    );
}
