//! Shared helpers for the probe tests: loopback HTTP/1.1 servers written by hand (plain
//! and TLS), rcgen certificates, and `HttpSpec`/`Policy` values built directly. Nothing
//! here reaches beyond 127.0.0.1, and every server connection is bounded in time.
#![allow(dead_code)]

pub mod config;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use emcd::config::{Expect, HttpSpec, Policy, TcpSpec};
use emcd::probe::{Outcome, Prober};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A request as the test server saw it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the test server does with a request.
pub struct Reply {
    /// Wait this long before writing anything.
    pub delay: Duration,
    /// The raw response bytes (head and body).
    pub data: Vec<u8>,
    /// Write the head at once, then the body one byte per this interval.
    pub trickle: Option<Duration>,
}

/// A complete response with `Content-Length` and `Connection: close`.
pub fn reply(status: u16, headers: &[(&str, &str)], body: impl AsRef<[u8]>) -> Reply {
    let body = body.as_ref();
    let mut head = format!(
        "HTTP/1.1 {status} X\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut data = head.into_bytes();
    data.extend_from_slice(body);
    Reply {
        delay: Duration::ZERO,
        data,
        trickle: None,
    }
}

pub fn redirect(status: u16, location: &str) -> Reply {
    reply(status, &[("location", location)], "")
}

type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// A loopback server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    /// Requests received.
    pub hits: Arc<AtomicUsize>,
    /// Every request received, in order.
    pub requests: Arc<Mutex<Vec<Request>>>,
    task: JoinHandle<()>,
}

impl Server {
    pub fn url(&self, scheme: &str, path: &str) -> String {
        format!("{scheme}://{}{path}", self.addr)
    }
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub async fn serve(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> Server {
    start(None, Arc::new(handler)).await
}

pub async fn serve_tls(
    tls: TlsAcceptor,
    handler: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> Server {
    start(Some(tls), Arc::new(handler)).await
}

async fn start(tls: Option<TlsAcceptor>, handler: Handler) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let hits = Arc::new(AtomicUsize::new(0));
    let requests = Arc::new(Mutex::new(Vec::new()));
    let (h, r) = (hits.clone(), requests.clone());
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (tls, handler, hits, requests) =
                (tls.clone(), handler.clone(), h.clone(), r.clone());
            tokio::spawn(tokio::time::timeout(Duration::from_secs(20), async move {
                match tls {
                    None => handle(tcp, &handler, &hits, &requests).await,
                    Some(tls) => {
                        if let Ok(stream) = tls.accept(tcp).await {
                            handle(stream, &handler, &hits, &requests).await;
                        }
                    }
                }
            }));
        }
    });
    Server {
        addr,
        hits,
        requests,
        task,
    }
}

async fn handle<S: AsyncRead + AsyncWrite + Unpin>(
    mut stream: S,
    handler: &Handler,
    hits: &AtomicUsize,
    requests: &Mutex<Vec<Request>>,
) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    hits.fetch_add(1, Ordering::SeqCst);
    requests.lock().unwrap().push(request.clone());
    let reply = handler(&request);
    tokio::time::sleep(reply.delay).await;
    match reply.trickle {
        None => {
            let _ = stream.write_all(&reply.data).await;
        }
        Some(every) => {
            let split = reply
                .data
                .windows(4)
                .position(|w| w == b"\r\n\r\n")
                .unwrap()
                + 4;
            let _ = stream.write_all(&reply.data[..split]).await;
            for byte in &reply.data[split..] {
                let _ = stream.flush().await;
                tokio::time::sleep(every).await;
                if stream.write_all(&[*byte]).await.is_err() {
                    return;
                }
            }
        }
    }
    let _ = stream.shutdown().await;
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Request> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, path) = (first.next()?.to_owned(), first.next()?.to_owned());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut request = Request {
        method,
        path,
        headers,
        body: buf[end + 4..].to_vec(),
    };
    let len: usize = request
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while request.body.len() < len {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        request.body.extend_from_slice(&chunk[..n]);
    }
    Some(request)
}

/// Default expectations: status 200-399, nothing else.
pub fn expect() -> Expect {
    Expect {
        status: vec![200..=399],
        body_contains: None,
        body_not_contains: None,
        body_regex: None,
        headers: Vec::new(),
        json: Vec::new(),
        max_response_time: None,
    }
}

pub fn http_spec(url: &str) -> HttpSpec {
    HttpSpec {
        url: url.parse().unwrap(),
        method: http::Method::GET,
        headers: Vec::new(),
        body: None,
        follow_redirects: true,
        insecure_skip_verify: false,
        expect: expect(),
    }
}

pub fn tcp_spec(addr: SocketAddr, tls: bool) -> TcpSpec {
    TcpSpec {
        host: addr.ip().to_string(),
        port: addr.port(),
        tls,
        insecure_skip_verify: false,
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
