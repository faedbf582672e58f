//! The one HTTP client of the tests: one HTTP/1.1 request per connection, sent with
//! hyper's `client::conn::http1` over a tokio `TcpStream` (as the product's own client
//! is built), `host` and `connection: close` set, bounded in time (5 s to connect, 10 s
//! for the whole exchange). Failures are `io::Error`s naming the request and the step.
//! Like the hand-written clients it replaces, it reads the answer of a server that
//! answers before it has read the body (a 413): see `EarlyAnswer`.

use std::io;
use std::pin::Pin;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

const CONNECT: Duration = Duration::from_secs(5);
const TOTAL: Duration = Duration::from_secs(10);

/// A response, its body read to the end (chunked bodies decoded).
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// Sends one request to `addr` (`host:port`) and reads the whole answer.
pub async fn send(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<Response> {
    let what = format!("{method} http://{addr}{path}");
    match tokio::time::timeout(TOTAL, exchange(addr, method, path, headers, body)).await {
        Ok(Ok(response)) => Ok(response),
        Ok(Err(e)) => Err(io::Error::new(e.kind(), format!("{what}: {e}"))),
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("{what}: no whole answer within {TOTAL:?}"),
        )),
    }
}

/// [`send`], keeping only the status and the body.
pub async fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<(u16, String)> {
    let r = send(addr, method, path, headers, body).await?;
    Ok((r.status, r.body))
}

/// A GET: (status, body).
pub async fn get(addr: &str, path: &str) -> io::Result<(u16, String)> {
    request(addr, "GET", path, &[], b"").await
}

async fn exchange(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<Response> {
    let tcp = match tokio::time::timeout(CONNECT, TcpStream::connect(addr)).await {
        Ok(Ok(tcp)) => tcp,
        Ok(Err(e)) => return Err(io::Error::new(e.kind(), format!("connect: {e}"))),
        Err(_) => {
            let e = format!("connect: not connected within {CONNECT:?}");
            return Err(io::Error::new(io::ErrorKind::TimedOut, e));
        }
    };
    let (mut sender, conn) = http1::handshake(TokioIo::new(EarlyAnswer::new(tcp)))
        .await
        .map_err(|e| failed("handshake", e))?;
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
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("request: {e}")))?;
    let answer = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| failed("exchange", e))?;
        let (head, body) = response.into_parts();
        let body = body.collect().await.map_err(|e| failed("body", e))?;
        Ok::<_, io::Error>((head, body.to_bytes()))
    };
    // The connection is driven here, beside the exchange; it ends with it.
    tokio::pin!(conn, answer);
    let mut conn_ended = false;
    let (head, body) = loop {
        tokio::select! {
            answer = &mut answer => break answer?,
            _ = &mut conn, if !conn_ended => conn_ended = true,
        }
    };
    Ok(Response {
        status: head.status.as_u16(),
        headers: head
            .headers
            .iter()
            .map(|(n, v)| {
                let v = String::from_utf8_lossy(v.as_bytes()).into_owned();
                (n.as_str().to_owned(), v)
            })
            .collect(),
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

/// A hyper error as an `io::Error` naming the step, keeping an underlying I/O kind.
fn failed(step: &str, e: hyper::Error) -> io::Error {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
    let mut kind = io::ErrorKind::Other;
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            kind = io.kind();
            break;
        }
        source = s.source();
    }
    let cause = std::error::Error::source(&e)
        .map(|c| format!(": {c}"))
        .unwrap_or_default();
    io::Error::new(kind, format!("{step}: {e}{cause}"))
}

/// A connection whose writes never fail: once one fails with a broken pipe or a reset,
/// the rest of the request is dropped and reported written, so that hyper goes on to read
/// the answer. A server may answer (413) and close before it reads a large body; hyper
/// on its own then fails the exchange with the write error and the answer is lost (seen
/// on loopback with bodies of 4 MiB and more). No raw fallback is needed beside this.
struct EarlyAnswer {
    tcp: TcpStream,
    broken: bool,
}

impl EarlyAnswer {
    fn new(tcp: TcpStream) -> EarlyAnswer {
        EarlyAnswer { tcp, broken: false }
    }

    /// Whether a write error means the server stopped reading.
    fn stopped_reading(&mut self, e: &io::Error) -> bool {
        use io::ErrorKind::{BrokenPipe, ConnectionReset};
        self.broken |= matches!(e.kind(), BrokenPipe | ConnectionReset);
        self.broken
    }
}

impl AsyncRead for EarlyAnswer {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for EarlyAnswer {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.broken {
            return Poll::Ready(Ok(buf.len()));
        }
        match ready!(Pin::new(&mut self.tcp).poll_write(cx, buf)) {
            Err(e) if self.stopped_reading(&e) => Poll::Ready(Ok(buf.len())),
            other => Poll::Ready(other),
        }
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.broken {
            return Poll::Ready(Ok(()));
        }
        match ready!(Pin::new(&mut self.tcp).poll_flush(cx)) {
            Err(e) if self.stopped_reading(&e) => Poll::Ready(Ok(())),
            other => Poll::Ready(other),
        }
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.broken {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}
