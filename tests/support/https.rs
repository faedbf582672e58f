//! An HTTPS client for the tests of emcd's own listener (`server.tls`): one request per
//! connection, over tokio-rustls with a fresh client config each time (so no session is
//! resumed and every connection sees the certificate the server presents now), trusting
//! only the roots given, with hyper's `client::conn::http1` on top. It returns the
//! server's leaf certificate with the answer, and the body as bytes (a gzip body stays
//! as sent). Bounded like `http`: 10 s for the whole exchange.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

const TOTAL: Duration = Duration::from_secs(10);

/// An answer over HTTPS.
#[derive(Debug)]
pub struct TlsResponse {
    /// The certificate the server presented (the leaf).
    pub peer: CertificateDer<'static>,
    pub status: u16,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
}

impl TlsResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        let found = self.headers.iter().find(|(n, _)| n == name);
        found.map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one request to `addr` (`host:port`) over TLS, verifying the server's
/// certificate for `localhost` against `roots`.
pub async fn send_tls(
    addr: &str,
    roots: &[CertificateDer<'static>],
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<TlsResponse> {
    let what = format!("{method} https://{addr}{path}");
    match tokio::time::timeout(TOTAL, exchange(addr, roots, method, path, headers, body)).await {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(e)) => Err(io::Error::new(e.kind(), format!("{what}: {e}"))),
        Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, what)),
    }
}

async fn exchange(
    addr: &str,
    roots: &[CertificateDer<'static>],
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<TlsResponse> {
    let mut store = rustls::RootCertStore::empty();
    for root in roots {
        store.add(root.clone()).map_err(io::Error::other)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(io::Error::other)?
        .with_root_certificates(store)
        .with_no_client_auth();
    let tcp = TcpStream::connect(addr).await?;
    let name = ServerName::try_from("localhost").unwrap();
    let tls = TlsConnector::from(Arc::new(config))
        .connect(name, tcp)
        .await?;
    let peer = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
        .await
        .map_err(io::Error::other)?;
    tokio::spawn(conn);
    let mut builder = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr)
        .header("connection", "close")
        .header("content-length", body.len());
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = builder
        .body(Full::new(Bytes::copy_from_slice(body)))
        .map_err(io::Error::other)?;
    let response = sender
        .send_request(request)
        .await
        .map_err(io::Error::other)?;
    let (head, body) = response.into_parts();
    let body = body.collect().await.map_err(io::Error::other)?.to_bytes();
    Ok(TlsResponse {
        peer,
        status: head.status.as_u16(),
        headers: head
            .headers
            .iter()
            .map(|(n, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_owned(), v)
            })
            .collect(),
        body,
    })
}
