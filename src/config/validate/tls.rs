//! The TLS keys of a probe (`http.tls`, and `tcp` with `tls: true`), `probing.tls` and a
//! receiver's `ca_file` (its caller is `alerting`):
//! the files they name are read and parsed here, so that a missing, unreadable or
//! unparsable file is a config error (naming the key, the path and what is wrong) and a
//! model value holds certificates and keys that rustls accepts. This is the one place
//! validation reads files; a relative path is relative to the directory of the file
//! that names it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::sign::CertifiedKey;
use rustls::RootCertStore;

use super::super::model::{ClientCert, ClientKey, PemCerts, ProbeTls, ServerTls};
use super::super::raw::{ServerTlsSection, Spanned, Text, TlsRef};
use super::{idx, sub, Ctx};

/// The `ca_file`, `cert_file`, `key_file` and `server_name` of one probe, under `path`.
pub fn probe(ctx: &mut Ctx<'_>, keys: TlsRef<'_>, path: &str) -> ProbeTls {
    let ca = keys.ca_file.and_then(|t| {
        let p = sub(path, "ca_file");
        ca_file(ctx, t, &p).map(Arc::new)
    });
    let client = match (keys.cert_file, keys.key_file) {
        (None, None) => None,
        (Some(c), None) => {
            let message = "cert_file needs key_file (the private key of the certificate)";
            ctx.error(c.referenced, &sub(path, "cert_file"), message);
            None
        }
        (None, Some(k)) => {
            let message = "key_file needs cert_file (the certificate of the key)";
            ctx.error(k.referenced, &sub(path, "key_file"), message);
            None
        }
        (Some(c), Some(k)) => client(ctx, c, k, path).map(Arc::new),
    };
    let server_name = keys.server_name.and_then(|t| {
        ctx.parse(t, &sub(path, "server_name"), |s| match ServerName::try_from(s) {
            Ok(_) => Ok(s.to_owned()),
            Err(_) => Err(format!(
                "invalid server_name {s:?}: expected a DNS name (e.g. dvc.example.gov.vn) or an IP address"
            )),
        })
    });
    ProbeTls {
        ca,
        client,
        server_name,
    }
}

/// `server.tls`: both files required, read, and the key that of the certificate.
pub fn server(ctx: &mut Ctx<'_>, s: &Spanned<ServerTlsSection>, path: &str) -> Option<ServerTls> {
    let cert = ctx.required(s.value.cert_file.as_ref(), s.referenced, path, "cert_file");
    let key = ctx.required(s.value.key_file.as_ref(), s.referenced, path, "key_file");
    client(ctx, cert?, key?, path).map(|c| ServerTls(Arc::new(c)))
}

/// `probing.tls.ca_files`.
pub fn ca_files(ctx: &mut Ctx<'_>, list: Option<&[Text]>, path: &str) -> Vec<PemCerts> {
    let list = list.unwrap_or_default();
    let read = list.iter().enumerate();
    read.filter_map(|(i, t)| ca_file(ctx, t, &idx(path, i)))
        .collect()
}

/// A PEM file of CA certificates (at least one, each a valid X.509 certificate): a
/// probe's `ca_file`, a file of `probing.tls.ca_files`, a receiver's `ca_file`.
pub(super) fn ca_file(ctx: &mut Ctx<'_>, t: &Text, path: &str) -> Option<PemCerts> {
    let (file, bytes) = read(ctx, t, path)?;
    let shown = file.display();
    let certs = match certs(&bytes) {
        Ok(certs) => certs,
        Err(why) => {
            let message = format!("CA file \"{shown}\" {why}");
            ctx.error(t.referenced, path, message);
            return None;
        }
    };
    let mut store = RootCertStore::empty();
    for (i, cert) in certs.iter().enumerate() {
        if let Err(e) = store.add(cert.clone()) {
            let message = format!(
                "CA file \"{shown}\": certificate #{} is not a usable CA certificate: {e}",
                i + 1
            );
            ctx.error(t.referenced, path, message);
            return None;
        }
    }
    Some(PemCerts { path: file, certs })
}

/// `cert_file` and `key_file`: the chain, the key, and that they belong together.
fn client(ctx: &mut Ctx<'_>, c: &Text, k: &Text, path: &str) -> Option<ClientCert> {
    let (cpath, kpath) = (sub(path, "cert_file"), sub(path, "key_file"));
    let cert = read(ctx, c, &cpath);
    let key = read(ctx, k, &kpath);
    let (cert_file, cert_bytes) = cert?;
    let chain = match certs(&cert_bytes) {
        Ok(chain) => chain,
        Err(why) => {
            let message = format!("certificate file \"{}\" {why}", cert_file.display());
            ctx.error(c.referenced, &cpath, message);
            return None;
        }
    };
    let (key_file, key_bytes) = key?;
    let Ok(key) = PrivateKeyDer::from_pem_slice(&key_bytes) else {
        let message = format!(
            "key file \"{}\" holds no private key: expected a PEM block PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY",
            key_file.display()
        );
        ctx.error(k.referenced, &kpath, message);
        return None;
    };
    let provider = rustls::crypto::ring::default_provider();
    if let Err(e) = CertifiedKey::from_der(chain.clone(), key.clone_key(), &provider) {
        let why = match e {
            rustls::Error::InconsistentKeys(_) => "it is not the key of that certificate".into(),
            e => e.to_string(),
        };
        let message = format!(
            "key file \"{}\" does not go with certificate file \"{}\": {why}",
            key_file.display(),
            cert_file.display()
        );
        ctx.error(k.referenced, &kpath, message);
        return None;
    }
    Some(ClientCert {
        cert_file,
        key_file,
        chain,
        key: ClientKey(Arc::new(key)),
    })
}

/// The file a key names (substituted, resolved against the naming file's directory) and
/// its bytes; a file that cannot be read is reported with the OS's reason.
fn read(ctx: &mut Ctx<'_>, t: &Text, path: &str) -> Option<(PathBuf, Vec<u8>)> {
    let written = ctx.text(t, path)?;
    if written.is_empty() {
        ctx.error(
            t.referenced,
            path,
            "empty path: remove the key, or name a file",
        );
        return None;
    }
    let dir = ctx.file().parent().unwrap_or(Path::new(""));
    let file = dir.join(&written);
    match std::fs::read(&file) {
        Ok(bytes) => Some((file, bytes)),
        Err(e) => {
            let message = format!("cannot read \"{}\": {e}", file.display());
            ctx.error(t.referenced, path, message);
            None
        }
    }
}

/// The `CERTIFICATE` blocks of a PEM file (or the one certificate of a DER file).
fn certs(bytes: &[u8]) -> Result<Vec<CertificateDer<'static>>, String> {
    if bytes.first() == Some(&0x30) {
        return Ok(vec![CertificateDer::from(bytes.to_vec())]);
    }
    let certs = CertificateDer::pem_slice_iter(bytes)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("is not PEM: {e}"))?;
    if certs.is_empty() {
        return Err("holds no certificate: expected a PEM block BEGIN CERTIFICATE".into());
    }
    Ok(certs)
}
