//! The HTTP(S) probe (docs/results.md): a fresh connection per probe and per redirect hop, HTTP/1.1
//! over hyper's connection API, the connection driven inside the probe's own future (no
//! task spawned). One deadline bounds everything: DNS, connect, TLS, every hop and the
//! whole body. The body is kept up to 1 MiB for the expectations, the rest is read and
//! counted. The final response is then judged by `expect`.
//!
//! `processing` runs from the connection being ready (after TLS) to the response head, so
//! it includes writing the request. Redirects (301, 302, 303, 307, 308 with a `Location`)
//! are followed without reading their bodies; credentials (`Authorization`, `Cookie`) are
//! not sent to another host. `cert_expiry` is that of the last TLS handshake made.

use std::borrow::Cow;
use std::error::Error as StdError;
use std::future::Future;
use std::pin::{pin, Pin};

use bytes::Bytes;
use http::header::{AUTHORIZATION, COOKIE, HOST, LOCATION, PROXY_AUTHORIZATION, USER_AGENT};
use http::{HeaderMap, HeaderValue, Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, Connection};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use url::{Position, Url};

use super::clock::{Clock, Phase};
use super::dns::Target;
use super::{expect, net, tls, Failure, Measured, Outcome, Prober};
use crate::config::{HttpSpec, Policy};
use crate::result::ErrorKind;

/// Redirects followed at most; the response after the last one must not redirect again.
const MAX_REDIRECTS: usize = 10;
/// Body bytes kept for the expectations (docs/results.md); the rest is drained and counted.
const BODY_KEEP: usize = 1 << 20;

pub(crate) async fn probe(prober: &Prober, spec: &HttpSpec, policy: &Policy) -> Outcome {
    let mut clock = Clock::start();
    let mut seen = Seen::default();
    let deadline = crate::util::deadline(clock.start, policy.timeout);
    let fetched =
        tokio::time::timeout_at(deadline, fetch(prober, spec, &mut clock, &mut seen)).await;
    let (phases, duration) = clock.stop();
    let failure = match fetched {
        Ok(Ok(last)) => {
            let response = expect::Response {
                status: last.status,
                headers: &last.headers,
                body: &last.body,
                truncated: last.truncated,
                duration,
            };
            expect::check(&spec.expect, &response).err()
        }
        Ok(Err(failure)) => Some(failure),
        Err(_) => Some(Failure::timed_out(policy.timeout, clock.running())),
    };
    Measured {
        duration,
        phases,
        status_code: seen.status,
        cert_expiry: seen.cert_expiry,
        failure,
    }
    .into_outcome(policy)
}

/// What the probe saw so far; kept outside the deadline so a timeout still reports it.
#[derive(Default)]
struct Seen {
    /// Status of the last response head received.
    status: Option<u16>,
    /// Earliest `notAfter` of the chain of the last TLS handshake made.
    cert_expiry: Option<i64>,
}

/// The final response (not a redirect that is followed).
struct Last {
    status: u16,
    headers: HeaderMap,
    /// At most `BODY_KEEP` bytes, and only when an expectation reads the body.
    body: Vec<u8>,
    truncated: bool,
}

enum Hop {
    Last(Last),
    Redirect { status: u16, location: String },
}

/// One request of the chain: where, and how.
struct Ask<'a> {
    url: &'a Url,
    method: &'a Method,
    body: Option<&'a str>,
    /// Left the original host: do not send credentials there.
    cross_host: bool,
}

async fn fetch(
    prober: &Prober,
    spec: &HttpSpec,
    clock: &mut Clock,
    seen: &mut Seen,
) -> Result<Last, Failure> {
    let keep = expect::needs_body(&spec.expect);
    let mut url = Cow::Borrowed(&spec.url);
    let mut method = spec.method.clone();
    let mut body = spec.body.as_deref();
    let mut redirects = 0;
    loop {
        let cross_host = url.host() != spec.url.host();
        let ask = Ask {
            url: &url,
            method: &method,
            body,
            cross_host,
        };
        let (status, location) = match hop(prober, spec, &ask, clock, seen, keep).await? {
            Hop::Last(last) => return Ok(last),
            Hop::Redirect { status, location } => (status, location),
        };
        if redirects == MAX_REDIRECTS {
            let msg = format!("too many redirects (more than {MAX_REDIRECTS})");
            return Err(Failure::new(ErrorKind::Http, msg));
        }
        redirects += 1;
        let next = url.join(&location).map_err(|e| {
            Failure::new(
                ErrorKind::Http,
                format!("bad redirect Location {location:?}: {e}"),
            )
        })?;
        if !matches!(next.scheme(), "http" | "https") {
            let msg = format!("redirect to unsupported URL {next}");
            return Err(Failure::new(ErrorKind::Http, msg));
        }
        // Like browsers: 303 becomes GET, and so does a POST answered with 301 or 302.
        let to_get = match status {
            303 => method != Method::HEAD,
            301 | 302 => method == Method::POST,
            _ => false,
        };
        if to_get {
            method = Method::GET;
            body = None;
        }
        url = Cow::Owned(next);
    }
}

async fn hop(
    prober: &Prober,
    spec: &HttpSpec,
    ask: &Ask<'_>,
    clock: &mut Clock,
    seen: &mut Seen,
    keep: bool,
) -> Result<Hop, Failure> {
    let request = build_request(prober, spec, ask)?;
    let target = Target::of_url(ask.url)?;
    let port = ask.url.port_or_known_default().unwrap_or(80);
    let tcp = net::connect(target, port, prober.source, clock).await?;
    let follow = spec.follow_redirects;
    if ask.url.scheme() == "https" {
        clock.enter(Phase::Tls);
        let config = prober
            .tls
            .config(true, spec.insecure_skip_verify, &spec.tls)?;
        // `server_name` stands for the check's own host, not for where it redirects.
        let name = spec.tls.server_name.as_deref().filter(|_| !ask.cross_host);
        let (stream, expiry) = tls::handshake(&config, target, name, tcp).await;
        seen.cert_expiry = expiry;
        exchange(stream?, request, clock, seen, keep, follow).await
    } else {
        exchange(tcp, request, clock, seen, keep, follow).await
    }
}

fn build_request(
    prober: &Prober,
    spec: &HttpSpec,
    ask: &Ask<'_>,
) -> Result<Request<Full<Bytes>>, Failure> {
    let url = ask.url;
    let bad =
        |what: &str| Failure::new(ErrorKind::Http, format!("cannot request {url}: bad {what}"));
    let uri =
        Uri::try_from(&url[Position::BeforePath..Position::AfterQuery]).map_err(|_| bad("path"))?;
    let host = HeaderValue::from_str(&url[Position::BeforeHost..Position::AfterPort])
        .map_err(|_| bad("host"))?;
    let body = ask
        .body
        .map(|b| Bytes::copy_from_slice(b.as_bytes()))
        .unwrap_or_default();
    let mut request = Request::new(Full::new(body));
    *request.method_mut() = ask.method.clone();
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.insert(HOST, host);
    headers.insert(USER_AGENT, prober.user_agent.clone());
    for (i, (name, value)) in spec.headers.iter().enumerate() {
        if ask.cross_host && [AUTHORIZATION, COOKIE, PROXY_AUTHORIZATION].contains(name) {
            continue;
        }
        // A configured header replaces a default one; a repeated one adds a value.
        if spec.headers[..i].iter().any(|(n, _)| n == name) {
            headers.append(name, value.clone());
        } else {
            headers.insert(name, value.clone());
        }
    }
    Ok(request)
}

/// Sends `request` on a fresh HTTP/1.1 connection over `io` and reads the response:
/// only its head when it is a redirect to follow, else the whole body.
async fn exchange<S>(
    io: S,
    request: Request<Full<Bytes>>,
    clock: &mut Clock,
    seen: &mut Seen,
    keep: bool,
    follow: bool,
) -> Result<Hop, Failure>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    clock.enter(Phase::Processing);
    let (mut sender, conn) = http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| http_failure("HTTP handshake", &e, None))?;
    let mut driver = Driver {
        conn: pin!(conn),
        ended: false,
        error: None,
    };
    let response = driver.drive(sender.send_request(request)).await;
    let response = response.map_err(|e| http_failure("request", &e, driver.error.as_ref()))?;
    let status = response.status();
    seen.status = Some(status.as_u16());
    if follow && matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308) {
        if let Some(location) = response.headers().get(LOCATION) {
            let location = String::from_utf8_lossy(location.as_bytes()).into_owned();
            return Ok(Hop::Redirect {
                status: status.as_u16(),
                location,
            });
        }
    }
    clock.enter(Phase::Transfer);
    let (parts, mut body) = response.into_parts();
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(frame) = driver.drive(body.frame()).await {
        let frame = frame.map_err(|e| http_failure("reading body", &e, driver.error.as_ref()))?;
        if let Some(data) = frame.data_ref() {
            total = total.saturating_add(data.len());
            if keep && kept.len() < BODY_KEEP {
                let room = BODY_KEEP - kept.len();
                kept.extend_from_slice(&data[..data.len().min(room)]);
            }
        }
    }
    Ok(Hop::Last(Last {
        status: status.as_u16(),
        headers: parts.headers,
        truncated: total > BODY_KEEP,
        body: kept,
    }))
}

/// Polls the hyper connection while the probe waits on the request or the body, in the
/// probe's own future.
struct Driver<'a, S: AsyncRead + AsyncWrite + Unpin> {
    conn: Pin<&'a mut Connection<TokioIo<S>, Full<Bytes>>>,
    /// The connection future finished: never poll it again.
    ended: bool,
    /// Why the connection failed, if it did (more precise than what the body reports).
    error: Option<hyper::Error>,
}

impl<S> Driver<'_, S>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    async fn drive<F: Future>(&mut self, work: F) -> F::Output {
        let mut work = pin!(work);
        loop {
            tokio::select! {
                biased;
                out = &mut work => return out,
                ended = self.conn.as_mut(), if !self.ended => {
                    self.ended = true;
                    self.error = ended.err();
                }
            }
        }
    }
}

/// An `http` failure with the error's causes, preferring the connection's own error; a
/// `tls` one when TLS failed after the handshake (with TLS 1.3 a server rejects a
/// missing or untrusted client certificate only then: `CertificateRequired`).
fn http_failure(context: &str, err: &hyper::Error, conn: Option<&hyper::Error>) -> Failure {
    let mut message = format!("{context}: ");
    let mut cause: Option<&dyn StdError> = Some(conn.unwrap_or(err));
    let mut first = true;
    let mut kind = ErrorKind::Http;
    while let Some(e) = cause {
        if !first {
            message.push_str(": ");
        }
        message.push_str(&e.to_string());
        first = false;
        let io = e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref());
        if io.is_some_and(|inner| inner.is::<rustls::Error>()) || e.is::<rustls::Error>() {
            kind = ErrorKind::Tls;
        }
        cause = e.source();
    }
    Failure::new(kind, message)
}
