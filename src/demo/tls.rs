//! The demo's own PKI: a CA made at start (written beside the generated config and named
//! by its `probing.tls.ca_files`, so the HTTPS probe verifies normally, and the config
//! works as it is with `emcd run`) and a leaf certificate for 127.0.0.1 that
//! expires soon, so the probe succeeds and `probe_ssl_earliest_cert_expiry` shows the
//! near expiry. Keys live in memory only and die with the process.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// How long the CA is valid: far longer than the leaf, so the leaf is the earliest expiry.
const CA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 86_400);

/// What the demo needs from its PKI.
pub struct DemoPki {
    /// The CA certificate as PEM: the generated config's `probing.tls.ca_files` names it.
    pub ca_pem: String,
    /// Presents the leaf (and the CA) to TLS clients.
    pub acceptor: TlsAcceptor,
}

/// Makes a CA and a leaf for `127.0.0.1` and `localhost` valid from a day before `now`
/// until `now + leaf_validity`.
pub fn issue(now: SystemTime, leaf_validity: Duration) -> anyhow::Result<DemoPki> {
    let since_epoch = now
        .duration_since(UNIX_EPOCH)
        .context("clock before 1970")?;
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    let not_before = epoch + since_epoch.saturating_sub(Duration::from_secs(86_400));

    let ca_key = KeyPair::generate().context("generating the demo CA key")?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "emcd demo CA");
    ca_params.not_before = not_before;
    ca_params.not_after = epoch + since_epoch + CA_VALIDITY;
    let ca = ca_params
        .self_signed(&ca_key)
        .context("signing the demo CA")?;
    let (ca, ca_pem) = (ca.der().clone(), ca.pem());
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf_key = KeyPair::generate().context("generating the demo leaf key")?;
    let mut leaf_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    leaf_params
        .distinguished_name
        .push(DnType::CommonName, "dichvucong.bo-cong-an.demo");
    leaf_params.not_before = not_before;
    leaf_params.not_after = epoch + since_epoch + leaf_validity;
    let leaf = leaf_params
        .signed_by(&leaf_key, &issuer)
        .context("signing the demo leaf")?;

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone(), ca.clone()], key)
        .context("building the demo TLS server config")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(DemoPki {
        ca_pem,
        acceptor: TlsAcceptor::from(Arc::new(config)),
    })
}
