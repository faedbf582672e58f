//! Loopback targets for the tests to probe: `serve`/`serve_tls`, HTTP/1.1 servers
//! written by hand (plain and TLS) that answer each request from a handler and record
//! what they got, and `start_target`, the end-to-end tests' fixed-route target that
//! counts what it served. Nothing here reaches beyond 127.0.0.1, and every server
//! connection is bounded in time.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU16, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

/// A request as the test server saw it.
#[derive(Clone, Debug, Default)]
pub struct Request {
    /// The client's address (a vantage on loopback: `--source-address 127.0.0.N`).
    pub peer: Option<IpAddr>,
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
            let Ok((tcp, peer)) = listener.accept().await else {
                return;
            };
            let (tls, handler, hits, requests) =
                (tls.clone(), handler.clone(), h.clone(), r.clone());
            tokio::spawn(tokio::time::timeout(Duration::from_secs(20), async move {
                let peer = peer.ip();
                match tls {
                    None => handle(tcp, peer, &handler, &hits, &requests).await,
                    Some(tls) => {
                        if let Ok(stream) = tls.accept(tcp).await {
                            handle(stream, peer, &handler, &hits, &requests).await;
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
    peer: IpAddr,
    handler: &Handler,
    hits: &AtomicUsize,
    requests: &Mutex<Vec<Request>>,
) {
    let Some(request) = read_request(&mut stream, peer).await else {
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

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S, peer: IpAddr) -> Option<Request> {
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
        peer: Some(peer),
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

/// A loopback HTTP/1.1 server: `/ok` answers 200, `/fail` 503, `/dyn` the status in
/// `dyn_status` (200 at first), `/fifth` 503 to every fifth request, anything else 404. `served` counts responses written.
pub struct Target {
    pub addr: SocketAddr,
    pub served: Arc<AtomicU64>,
    pub dyn_status: Arc<AtomicU16>,
}

pub async fn start_target() -> Target {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Arc::new(AtomicU64::new(0));
    let dyn_status = Arc::new(AtomicU16::new(200));
    let dynamic = dyn_status.clone();
    let fifth = Arc::new(AtomicU64::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let counter = counter.clone();
            let dynamic = dynamic.clone();
            let fifth = fifth.clone();
            tokio::spawn(async move {
                let mut buf = vec![0u8; 4096];
                let mut n = 0;
                while !buf[..n].windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf[n..]).await {
                        Ok(0) | Err(_) => return,
                        Ok(k) => n += k,
                    }
                }
                let head = String::from_utf8_lossy(&buf[..n]);
                let path = head.split_whitespace().nth(1).unwrap_or("/");
                let dyn_line;
                let (status, body) = match path {
                    "/ok" => ("200 OK", "all good"),
                    "/fail" => ("503 Service Unavailable", "down for maintenance"),
                    "/fifth" => {
                        // Every fifth request fails (20%).
                        if fifth.fetch_add(1, Ordering::SeqCst) % 5 == 4 {
                            ("503 Service Unavailable", "busy")
                        } else {
                            ("200 OK", "fine")
                        }
                    }
                    "/dyn" => {
                        dyn_line = format!("{} Dynamic", dynamic.load(Ordering::SeqCst));
                        (dyn_line.as_str(), "dynamic")
                    }
                    _ => ("404 Not Found", "no such page"),
                };
                let resp = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: text/plain\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                if s.write_all(resp.as_bytes()).await.is_ok() && s.shutdown().await.is_ok() {
                    counter.fetch_add(1, Ordering::SeqCst);
                }
            });
        }
    });
    Target {
        addr,
        served,
        dyn_status,
    }
}
