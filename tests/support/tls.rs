//! Certificates for the TLS tests, made with rcgen: a test CA (`Ca`) that signs leaf
//! certificates, self-signed leaves, and a rustls acceptor for each (`Leaf::acceptor`).

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// A CA that signs leaf certificates.
pub struct Ca {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pub cert: CertificateDer<'static>,
}

/// A certificate and its key, ready for a rustls server.
pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
    /// `notAfter` in unix seconds, as rcgen was asked.
    pub not_after: i64,
}

impl Ca {
    pub fn new() -> Ca {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "emcd test CA");
        let cert = params.self_signed(&key).unwrap().der().clone();
        Ca {
            issuer: rcgen::Issuer::new(params, key),
            cert,
        }
    }

    /// The CA as the one extra root of a prober.
    pub fn roots(&self) -> &[CertificateDer<'static>] {
        std::slice::from_ref(&self.cert)
    }

    /// A leaf for `names`, valid until 00:00 UTC of `(year, month, day)`.
    pub fn leaf(&self, names: &[&str], until: (i32, u8, u8)) -> Leaf {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = leaf_params(names, until);
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            chain: vec![cert.der().clone(), self.cert.clone()],
            key: key.serialize_der(),
            not_after: params.not_after.unix_timestamp(),
        }
    }
}

/// A self-signed certificate for `names`, valid until 00:00 UTC of `(year, month, day)`.
pub fn self_signed(names: &[&str], until: (i32, u8, u8)) -> Leaf {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = leaf_params(names, until);
    let cert = params.self_signed(&key).unwrap();
    Leaf {
        chain: vec![cert.der().clone()],
        key: key.serialize_der(),
        not_after: params.not_after.unix_timestamp(),
    }
}

fn leaf_params(names: &[&str], (y, m, d): (i32, u8, u8)) -> rcgen::CertificateParams {
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let mut params = rcgen::CertificateParams::new(names).unwrap();
    params.not_before = rcgen::date_time_ymd(2000, 1, 1);
    params.not_after = rcgen::date_time_ymd(y, m, d);
    params
}

impl Leaf {
    /// A TLS acceptor presenting this certificate (and its chain).
    pub fn acceptor(&self) -> TlsAcceptor {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), key)
            .unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(config))
    }
}
