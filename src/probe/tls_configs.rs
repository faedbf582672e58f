//! The rustls client configs of probes, built once per [`Prober`](super::Prober): four
//! shared ones ({HTTP (ALPN http/1.1), raw TCP} x {verifying, insecure}) over the
//! system's roots plus the prober's extra roots (`probing.tls.ca_files`), and one per
//! distinct `tls` setting of a check (its `ca_file`, its client certificate), built the
//! first time a probe needs it and then reused by every probe with that setting.
//!
//! Session resumption is off: a probe measures a full handshake and must see the
//! certificate every time.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rustls::client::Resumption;
use rustls::crypto::{self, CryptoProvider};
use rustls::pki_types::CertificateDer;
use rustls::{ClientConfig, RootCertStore};

use super::tls::Verifier;
use super::{Failure, ProbeSetupError};
use crate::config::{ClientCert, PemCerts, ProbeTls};
use crate::result::ErrorKind;

/// Custom configs kept at most; past it the cache starts over (only after reloads that
/// changed many checks' files could it fill up).
const MAX_CUSTOM: usize = 4096;

pub(crate) struct TlsConfigs {
    http: Arc<ClientConfig>,
    http_insecure: Arc<ClientConfig>,
    raw: Arc<ClientConfig>,
    raw_insecure: Arc<ClientConfig>,
    /// The system's roots and the extra ones: a check's `ca_file` is trusted on top.
    roots: RootCertStore,
    provider: Arc<CryptoProvider>,
    /// The configs of custom settings, by setting. Locked only to look up or insert,
    /// never across an await.
    custom: Mutex<HashMap<Key, Arc<ClientConfig>>>,
}

/// What a custom config is built from. The files' contents, not their paths: a reload
/// that changes a file's content gets a new config.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    http: bool,
    insecure: bool,
    ca: Option<Arc<PemCerts>>,
    client: Option<Arc<ClientCert>>,
}

impl TlsConfigs {
    pub(crate) fn new(
        system_roots: Vec<CertificateDer<'static>>,
        extra_roots: &[CertificateDer<'static>],
    ) -> Result<TlsConfigs, ProbeSetupError> {
        let provider = Arc::new(crypto::ring::default_provider());
        let mut roots = RootCertStore::empty();
        let (_, ignored) = roots.add_parsable_certificates(system_roots);
        if ignored > 0 {
            tracing::warn!(ignored, "some system CA certificates could not be parsed");
        }
        for (index, root) in extra_roots.iter().enumerate() {
            roots
                .add(root.clone())
                .map_err(|source| ProbeSetupError::ExtraRoot { index, source })?;
        }
        if roots.is_empty() {
            tracing::warn!("no CA roots (none installed, none given): every verified TLS probe will fail as `tls` unless its check has a ca_file");
        }
        let verifying = Verifier::new(&roots, false, &provider)?;
        let insecure = Verifier::new(&roots, true, &provider)?;
        let config = |v: &Arc<Verifier>, http| client_config(&provider, v.clone(), http, None);
        Ok(TlsConfigs {
            http: config(&verifying, true)?,
            http_insecure: config(&insecure, true)?,
            raw: config(&verifying, false)?,
            raw_insecure: config(&insecure, false)?,
            roots,
            provider: provider.clone(),
            custom: Mutex::default(),
        })
    }

    /// One of the four shared configs.
    pub(crate) fn get(&self, http: bool, insecure: bool) -> &Arc<ClientConfig> {
        match (http, insecure) {
            (true, false) => &self.http,
            (true, true) => &self.http_insecure,
            (false, false) => &self.raw,
            (false, true) => &self.raw_insecure,
        }
    }

    /// The config of a probe with these settings: a shared one unless `tls` has a
    /// `ca_file` or a client certificate, else the one built for that setting.
    pub(crate) fn config(
        &self,
        http: bool,
        insecure: bool,
        tls: &ProbeTls,
    ) -> Result<Arc<ClientConfig>, Failure> {
        if !tls.is_custom() {
            return Ok(self.get(http, insecure).clone());
        }
        let key = Key {
            http,
            insecure,
            ca: tls.ca.clone(),
            client: tls.client.clone(),
        };
        let mut custom = self.custom.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(config) = custom.get(&key) {
            return Ok(config.clone());
        }
        let config = self
            .build(&key)
            .map_err(|e| Failure::new(ErrorKind::Tls, e.to_string()))?;
        if custom.len() >= MAX_CUSTOM {
            custom.clear();
        }
        custom.insert(key, config.clone());
        Ok(config)
    }

    /// How many custom configs were built and are kept.
    #[cfg(test)]
    pub(crate) fn custom_count(&self) -> usize {
        self.custom.lock().map_or(0, |c| c.len())
    }

    fn build(&self, key: &Key) -> Result<Arc<ClientConfig>, ProbeSetupError> {
        let mut roots = self.roots.clone();
        for cert in key.ca.iter().flat_map(|ca| &ca.certs) {
            roots
                .add(cert.clone())
                .map_err(|e| ProbeSetupError::Tls(format!("CA certificate: {e}")))?;
        }
        let verifier = Verifier::new(&roots, key.insecure, &self.provider)?;
        client_config(&self.provider, verifier, key.http, key.client.as_deref())
    }
}

fn client_config(
    provider: &Arc<CryptoProvider>,
    verifier: Arc<Verifier>,
    http: bool,
    client: Option<&ClientCert>,
) -> Result<Arc<ClientConfig>, ProbeSetupError> {
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ProbeSetupError::Tls(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier);
    let mut config = match client {
        None => builder.with_no_client_auth(),
        Some(c) => builder
            .with_client_auth_cert(c.chain.clone(), c.key.0.clone_key())
            .map_err(|e| {
                let file = c.cert_file.display();
                ProbeSetupError::Tls(format!("client certificate {file}: {e}"))
            })?,
    };
    config.resumption = Resumption::disabled();
    if http {
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
    }
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_without_any_root() {
        let configs = TlsConfigs::new(Vec::new(), &[]).unwrap();
        assert!(configs.get(true, false).alpn_protocols == vec![b"http/1.1".to_vec()]);
        assert!(configs.get(false, true).alpn_protocols.is_empty());
    }

    #[test]
    fn rejects_a_bad_extra_root() {
        let bad = CertificateDer::from(vec![1, 2, 3]);
        let err = TlsConfigs::new(Vec::new(), &[bad]).err().unwrap();
        assert!(
            matches!(err, ProbeSetupError::ExtraRoot { index: 0, .. }),
            "{err}"
        );
    }

    #[test]
    fn one_custom_config_per_distinct_setting() {
        let configs = TlsConfigs::new(Vec::new(), &[]).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let ca = rcgen::CertificateParams::new(vec!["ca.test".into()]).unwrap();
        let ca = ca.self_signed(&key).unwrap();
        let pem = |path: &str| PemCerts {
            path: path.into(),
            certs: vec![ca.der().clone()],
        };
        let tls = ProbeTls {
            ca: Some(Arc::new(pem("a.pem"))),
            ..ProbeTls::default()
        };
        let same = ProbeTls {
            ca: Some(Arc::new(pem("a.pem"))),
            server_name: Some("x.test".into()),
            ..ProbeTls::default()
        };
        let first = configs.config(true, false, &tls).unwrap();
        let again = configs.config(true, false, &same).unwrap();
        assert!(Arc::ptr_eq(&first, &again), "same files, same config");
        let raw = configs.config(false, false, &tls).unwrap();
        assert!(!Arc::ptr_eq(&first, &raw));
        assert_eq!(configs.custom_count(), 2);
        let shared = configs.config(true, false, &ProbeTls::default()).unwrap();
        assert!(Arc::ptr_eq(&shared, configs.get(true, false)));
        assert_eq!(configs.custom_count(), 2);
    }
}
