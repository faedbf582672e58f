//! A plain HTTP/1.1 POST on the probes' connection pieces (resolution, TLS roots), for
//! alert deliveries: no phases, no expectations, just the answer's status and
//! `Retry-After`. One fresh connection per request, bounded by one deadline.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_LENGTH, HOST, RETRY_AFTER, USER_AGENT};
use http::{HeaderName, HeaderValue, Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite};
use url::{Position, Url};

use super::clock::Clock;
use super::dns::Target;
use super::{net, tls, Prober};

/// The answer to a POST.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// `Retry-After` as the receiver sent it (parsed and bounded by the caller).
    pub retry_after: Option<String>,
}

/// POSTs `body` to `url` with `headers` within `timeout`. `Err` carries a message
/// naming what failed (resolution, connection, TLS, HTTP, timeout).
pub async fn post(
    prober: &Prober,
    url: &Url,
    headers: &[(HeaderName, HeaderValue)],
    body: Bytes,
    timeout: Duration,
) -> Result<Answer, String> {
    match tokio::time::timeout(timeout, post_inner(prober, url, headers, body)).await {
        Ok(r) => r,
        Err(_) => Err(format!(
            "no answer from {} within {}",
            url_origin(url),
            humantime::format_duration(timeout)
        )),
    }
}

fn url_origin(url: &Url) -> &str {
    &url[..Position::BeforePath]
}

async fn post_inner(
    prober: &Prober,
    url: &Url,
    headers: &[(HeaderName, HeaderValue)],
    body: Bytes,
) -> Result<Answer, String> {
    let target = Target::of_url(url).map_err(|f| f.message)?;
    let port = url.port_or_known_default().unwrap_or(80);
    let mut clock = Clock::start();
    let tcp = net::connect(target, port, None, &mut clock)
        .await
        .map_err(|f| f.message)?;
    let uri = Uri::try_from(&url[Position::BeforePath..Position::AfterQuery])
        .map_err(|e| format!("bad URL path {url}: {e}"))?;
    let host = HeaderValue::from_str(&url[Position::BeforeHost..Position::AfterPort])
        .map_err(|e| format!("bad URL host {url}: {e}"))?;
    let mut request = Request::new(Full::new(body.clone()));
    *request.method_mut() = Method::POST;
    *request.uri_mut() = uri;
    let h = request.headers_mut();
    h.insert(HOST, host);
    h.insert(USER_AGENT, prober.user_agent.clone());
    h.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    for (name, value) in headers {
        h.insert(name, value.clone());
    }
    if url.scheme() == "https" {
        let (stream, _) = tls::handshake(prober.tls.get(true, false), target, tcp).await;
        exchange(stream.map_err(|f| f.message)?, request).await
    } else {
        exchange(tcp, request).await
    }
}

async fn exchange<S>(io: S, request: Request<Full<Bytes>>) -> Result<Answer, String>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = http1::handshake(TokioIo::new(io))
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    let driver = tokio::spawn(conn);
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| format!("request: {e}"))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        // Read (and drop) the body so the server sees a complete exchange.
        let _ = response.into_body().collect().await;
        Ok(Answer {
            status,
            retry_after,
        })
    }
    .await;
    driver.abort();
    result
}
