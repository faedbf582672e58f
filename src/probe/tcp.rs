//! The TCP probe: resolve, connect, optionally a TLS handshake (reporting the chain's
//! expiry, with the same `cert`/`tls` sorting as HTTPS), then close. Nothing is sent.

use super::clock::{Clock, Phase};
use super::dns::Target;
use super::{net, tls, Failure, Measured, Outcome, Prober};
use crate::config::{Policy, TcpSpec};

pub(crate) async fn probe(prober: &Prober, spec: &TcpSpec, policy: &Policy) -> Outcome {
    let mut clock = Clock::start();
    let mut cert_expiry = None;
    let deadline = crate::util::deadline(clock.start, policy.timeout);
    let attempt = attempt(prober, spec, &mut clock, &mut cert_expiry);
    let failure = match tokio::time::timeout_at(deadline, attempt).await {
        Ok(Ok(())) => None,
        Ok(Err(failure)) => Some(failure),
        Err(_) => Some(Failure::timed_out(policy.timeout, clock.running())),
    };
    let (phases, duration) = clock.stop();
    Measured {
        duration,
        phases,
        status_code: None,
        cert_expiry,
        failure,
    }
    .into_outcome(policy)
}

async fn attempt(
    prober: &Prober,
    spec: &TcpSpec,
    clock: &mut Clock,
    cert_expiry: &mut Option<i64>,
) -> Result<(), Failure> {
    let target = Target::of_host(&spec.host);
    let tcp = net::connect(target, spec.port, prober.source, clock).await?;
    if spec.tls {
        clock.enter(Phase::Tls);
        let tls = &spec.tls_options;
        let config = prober.tls.config(false, spec.insecure_skip_verify, tls)?;
        let name = tls.server_name.as_deref();
        let (stream, expiry) = tls::handshake(&config, target, name, tcp).await;
        *cert_expiry = expiry;
        stream?;
    }
    Ok(())
}
