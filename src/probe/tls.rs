//! TLS for probes: a verifier wrapper that, when it rejects a chain, carries the chain's
//! earliest `notAfter` inside the error (so an expired certificate is reported as
//! expired, with its date); the handshake, with the name it asks for; and the sorting of
//! handshake errors into `cert` and `tls`. The client configs are in `tls_configs`.
//!
//! No per-probe state lives here: a probe only clones an `Arc<ClientConfig>`.

use std::fmt;
use std::io;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::{self, CryptoProvider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, OtherError, RootCertStore};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use super::dns::Target;
use super::{cert, Failure, ProbeSetupError};
use crate::result::ErrorKind;

/// The CA certificates installed on this system; problems are logged, never fatal.
pub fn system_roots() -> Vec<CertificateDer<'static>> {
    let found = rustls_native_certs::load_native_certs();
    for error in &found.errors {
        tracing::warn!(%error, "reading system CA certificates");
    }
    if found.certs.is_empty() {
        tracing::warn!("no system CA certificates found; only extra roots will be trusted");
    }
    found.certs
}

/// Certificates from a file's bytes: PEM (any number of `CERTIFICATE` blocks) or one DER.
pub fn parse_certs(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, ProbeSetupError> {
    if bytes.first() == Some(&0x30) {
        return Ok(vec![CertificateDer::from(bytes.to_vec())]);
    }
    let certs = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ProbeSetupError::Pem(e.to_string()))?;
    if certs.is_empty() {
        return Err(ProbeSetupError::Pem("no CERTIFICATE block found".into()));
    }
    Ok(certs)
}

/// TLS handshake over `tcp`. Also returns the earliest `notAfter` of the presented chain,
/// whether the handshake succeeded or the chain was rejected.
/// `server_name`, when given, is the name asked for and verified instead of `target`'s.
pub(crate) async fn handshake(
    config: &Arc<ClientConfig>,
    target: Target<'_>,
    server_name: Option<&str>,
    tcp: TcpStream,
) -> (Result<TlsStream<TcpStream>, Failure>, Option<i64>) {
    let target = match server_name {
        Some(name) => Target::of_host(name),
        None => target,
    };
    let name = match target {
        Target::Ip(ip) => ServerName::IpAddress(ip.into()),
        Target::Name(name) => match ServerName::try_from(name.to_owned()) {
            Ok(name) => name,
            Err(e) => {
                let msg = format!("{name} is not a valid TLS server name: {e}");
                return (Err(Failure::new(ErrorKind::Tls, msg)), None);
            }
        },
    };
    match TlsConnector::from(config.clone()).connect(name, tcp).await {
        Ok(stream) => {
            let chain = stream.get_ref().1.peer_certificates().unwrap_or_default();
            let expiry = cert::earliest_not_after(chain.iter().map(|c| c.as_ref()));
            (Ok(stream), expiry)
        }
        Err(e) => {
            let (failure, expiry) = classify(&e);
            (Err(failure), expiry)
        }
    }
}

/// `cert` for an expired chain, `tls` for anything else.
fn classify(err: &io::Error) -> (Failure, Option<i64>) {
    let tls = err
        .get_ref()
        .and_then(|e| e.downcast_ref::<rustls::Error>());
    let rejected = match tls {
        Some(rustls::Error::InvalidCertificate(CertificateError::Other(o))) => {
            o.0.downcast_ref::<Rejected>()
        }
        _ => None,
    };
    let Some(rejected) = rejected else {
        let msg = match tls {
            Some(e) => format!("TLS handshake: {e}"),
            None => format!("TLS handshake: {err}"),
        };
        return (Failure::new(ErrorKind::Tls, msg), None);
    };
    let expired_at = match &rejected.cause {
        rustls::Error::InvalidCertificate(CertificateError::ExpiredContext {
            not_after, ..
        }) => Some(not_after.as_secs() as i64),
        rustls::Error::InvalidCertificate(CertificateError::Expired) => rejected.not_after,
        _ => None,
    };
    let failure = match expired_at {
        Some(at) => Failure::new(
            ErrorKind::Cert,
            format!("certificate expired at {}", rfc3339(at)),
        ),
        None => Failure::new(
            ErrorKind::Tls,
            format!("certificate rejected: {}", rejected.cause),
        ),
    };
    (failure, rejected.not_after)
}

pub(crate) use crate::util::rfc3339;

/// Why a chain was rejected, and when the earliest of its certificates expires.
#[derive(Debug)]
struct Rejected {
    cause: rustls::Error,
    not_after: Option<i64>,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.cause.fmt(f)
    }
}

impl std::error::Error for Rejected {}

/// Verifies with webpki (unless `insecure`); on rejection wraps the cause in [`Rejected`].
#[derive(Debug)]
pub(crate) struct Verifier {
    /// `None` when there is no root at all: then every chain is rejected.
    inner: Option<Arc<WebPkiServerVerifier>>,
    /// Accept any chain (`insecure_skip_verify`); handshake signatures are still checked.
    insecure: bool,
    provider: Arc<CryptoProvider>,
}

impl Verifier {
    /// Trusting `roots` (none: nothing), or anything when `insecure`.
    pub(crate) fn new(
        roots: &RootCertStore,
        insecure: bool,
        provider: &Arc<CryptoProvider>,
    ) -> Result<Arc<Verifier>, ProbeSetupError> {
        let inner = if insecure || roots.is_empty() {
            None
        } else {
            let roots = Arc::new(roots.clone());
            let v = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
                .build()
                .map_err(|e| ProbeSetupError::Tls(e.to_string()))?;
            Some(v)
        };
        Ok(Arc::new(Verifier {
            inner,
            insecure,
            provider: provider.clone(),
        }))
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if self.insecure {
            return Ok(ServerCertVerified::assertion());
        }
        let verdict = match &self.inner {
            Some(v) => {
                v.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            }
            None => Err(CertificateError::UnknownIssuer.into()),
        };
        verdict.map_err(|cause| {
            let chain = std::iter::once(end_entity).chain(intermediates);
            let not_after = cert::earliest_not_after(chain.map(|c| c.as_ref()));
            let rejected = Rejected { cause, not_after };
            CertificateError::Other(OtherError(Arc::new(rejected))).into()
        })
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.provider.signature_verification_algorithms;
        crypto::verify_tls12_signature(message, cert, dss, algs)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        let algs = &self.provider.signature_verification_algorithms;
        crypto::verify_tls13_signature(message, cert, dss, algs)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_format() {
        assert_eq!(rfc3339(1_577_836_800), "2020-01-01T00:00:00Z");
    }

    #[test]
    fn parses_pem_and_der() {
        let key = rcgen::KeyPair::generate().unwrap();
        let c = rcgen::CertificateParams::new(vec!["a.test".into()]).unwrap();
        let c = c.self_signed(&key).unwrap();
        let two = format!("{}\n{}", c.pem(), c.pem());
        assert_eq!(parse_certs(two.as_bytes()).unwrap().len(), 2);
        assert_eq!(parse_certs(c.der()).unwrap()[0], *c.der());
        assert!(parse_certs(b"hello").is_err());
    }
}
