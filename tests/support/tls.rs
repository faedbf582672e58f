//! Certificates for the TLS tests, made with rcgen: a test CA (`Ca`) that signs leaf
//! certificates (server or client), self-signed leaves, a rustls acceptor for each
//! (`Leaf::acceptor`, or `Leaf::acceptor_requiring` for mutual TLS), and their PEM text
//! for config files.

use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// A CA that signs leaf certificates.
pub struct Ca {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    pub cert: CertificateDer<'static>,
    /// The CA certificate as PEM, for a `ca_file`.
    pub pem: String,
}

/// A certificate and its key, ready for a rustls server.
pub struct Leaf {
    pub chain: Vec<CertificateDer<'static>>,
    key: Vec<u8>,
    /// `notAfter` in unix seconds, as rcgen was asked.
    pub not_after: i64,
    /// The chain as PEM (leaf first), for a `cert_file`.
    pub chain_pem: String,
    /// The private key as PEM (PKCS#8), for a `key_file`.
    pub key_pem: String,
}

impl Ca {
    pub fn new() -> Ca {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "emcd test CA");
        let cert = params.self_signed(&key).unwrap();
        Ca {
            pem: cert.pem(),
            cert: cert.der().clone(),
            issuer: rcgen::Issuer::new(params, key),
        }
    }

    /// The CA as the one extra root of a prober.
    pub fn roots(&self) -> &[CertificateDer<'static>] {
        std::slice::from_ref(&self.cert)
    }

    /// A leaf for `names`, valid until 00:00 UTC of `(year, month, day)`.
    pub fn leaf(&self, names: &[&str], until: (i32, u8, u8)) -> Leaf {
        self.signed(leaf_params(names, until))
    }

    /// A client certificate (extended key usage `clientAuth`) for `name`, valid until 2040.
    pub fn client(&self, name: &str) -> Leaf {
        let mut params = leaf_params(&[name], (2040, 1, 1));
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        self.signed(params)
    }

    fn signed(&self, params: rcgen::CertificateParams) -> Leaf {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        Leaf {
            chain: vec![cert.der().clone(), self.cert.clone()],
            key: key.serialize_der(),
            not_after: params.not_after.unix_timestamp(),
            chain_pem: format!("{}{}", cert.pem(), self.pem),
            key_pem: key.serialize_pem(),
        }
    }

    /// The CA as the only root of a client-certificate verifier.
    fn client_verifier(&self) -> Arc<dyn rustls::server::danger::ClientCertVerifier> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.cert.clone()).unwrap();
        rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .unwrap()
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
        chain_pem: cert.pem(),
        key_pem: key.serialize_pem(),
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
        self.acceptor_with(None)
    }

    /// A TLS acceptor that also requires a client certificate issued by `clients`.
    pub fn acceptor_requiring(&self, clients: &Ca) -> TlsAcceptor {
        self.acceptor_with(Some(clients))
    }

    fn acceptor_with(&self, clients: Option<&Ca>) -> TlsAcceptor {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key.clone()));
        let builder = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = match clients {
            None => builder.with_no_client_auth(),
            Some(ca) => builder.with_client_cert_verifier(ca.client_verifier()),
        };
        let mut config = builder.with_single_cert(self.chain.clone(), key).unwrap();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        TlsAcceptor::from(Arc::new(config))
    }
}
