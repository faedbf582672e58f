//! The demo's own webhook receiver: a small HTTP server on 127.0.0.1 (port chosen by the
//! OS) that the generated config routes every alert to, so a newcomer sees delivery work:
//! each notification that arrives is printed on stdout as one line, and the delivery
//! metrics and the self-health dashboard's notification panels have data. It answers
//! 200 to every well-formed delivery and knows nothing of emcd beyond the body of
//! docs/alerts.md ("Webhook receivers", `format: emcd`).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// The path the config's webhook URL names.
pub const PATH: &str = "/alerts";
/// A body larger than this is refused (an emcd notification is a few KB).
const MAX_BODY: usize = 1 << 20;

/// The receiver's address, and its accept loop until the stop token is cancelled.
pub struct Receiver {
    pub addr: SocketAddr,
    listener: TcpListener,
}

impl Receiver {
    /// Binds 127.0.0.1 on a port the OS chooses.
    pub async fn bind() -> std::io::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        Ok(Receiver {
            addr: listener.local_addr()?,
            listener,
        })
    }

    /// The URL for the config's `webhook.url`.
    pub fn url(&self) -> String {
        format!("http://{}{PATH}", self.addr)
    }

    /// Serves until `stop` is cancelled, printing one line per notification received.
    pub async fn run(self, stop: CancellationToken) {
        let mut connections = JoinSet::new();
        loop {
            tokio::select! {
                _ = stop.cancelled() => break,
                Some(_) = connections.join_next(), if !connections.is_empty() => {}
                accepted = self.listener.accept() => match accepted {
                    Ok((tcp, _)) => {
                        connections.spawn(connection(tcp));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "demo receiver: accepting a connection failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                },
            }
        }
        connections.shutdown().await;
    }
}

async fn connection(tcp: TcpStream) {
    let service = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
        Ok::<_, Infallible>(receive(req).await)
    });
    let served = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(tcp), service)
        .await;
    if let Err(e) = served {
        tracing::debug!(error = %e, "demo receiver: connection ended with an error");
    }
}

async fn receive(req: http::Request<hyper::body::Incoming>) -> Response<Full<Bytes>> {
    if req.method() != Method::POST || req.uri().path() != PATH {
        return reply(StatusCode::NOT_FOUND, "POST /alerts only\n");
    }
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(body) => body.to_bytes(),
        Err(_) => return reply(StatusCode::PAYLOAD_TOO_LARGE, "body too large\n"),
    };
    match serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| line(&v, crate::util::unix_now()))
    {
        Some(line) => {
            println!("{line}");
            reply(StatusCode::OK, "ok\n")
        }
        None => reply(StatusCode::BAD_REQUEST, "not an emcd notification\n"),
    }
}

fn reply(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(http::header::CONTENT_TYPE, "text/plain")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("static response parts are valid")
}

/// What the demo prints for one notification received at `now`: the time, `webhook`, the
/// status (`firing`, `firing (repeat)` or `resolved`), the alert's name and what it is
/// about (`agency/system/check`, `agency/system`, or `vantage V`). `None` when the body
/// is not an emcd notification.
pub fn line(body: &Value, now: i64) -> Option<String> {
    let alert = &body["alert"];
    let status = match (body["status"].as_str()?, alert["repeat"].as_bool()) {
        ("firing", Some(true)) => "firing (repeat)",
        (status, _) => status,
    };
    let name = alert["name"].as_str()?;
    let ids: Vec<&str> = [
        alert["agency"]["id"].as_str(),
        alert["system"]["id"].as_str(),
        alert["check"].as_str(),
    ]
    .into_iter()
    .flatten()
    .filter(|id| !id.is_empty())
    .collect();
    let about = match alert["labels"]["vantage"].as_str() {
        Some(vantage) if ids.is_empty() => format!("vantage {vantage}"),
        _ => ids.join("/"),
    };
    let at = crate::util::rfc3339(now);
    Some(format!("{at}  webhook  {status:<15}  {name:<19}  {about}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_notification_is_one_line_with_time_status_name_and_ids() {
        let now = 1_790_812_800;
        let down = json!({"status": "firing", "alert": {"name": "CheckDown", "repeat": false,
            "agency": {"id": "lai-chau"}, "system": {"id": "mot-cua"}, "check": "api",
            "labels": {}}});
        let at = crate::util::rfc3339(now);
        assert_eq!(
            line(&down, now).unwrap(),
            format!("{at}  webhook  firing           CheckDown            lai-chau/mot-cua/api")
        );
        let system = json!({"status": "resolved", "alert": {"name": "SystemNotConnected",
            "agency": {"id": "lai-chau"}, "system": {"id": "mot-cua"}, "check": ""}});
        assert!(line(&system, now)
            .unwrap()
            .ends_with("resolved         SystemNotConnected   lai-chau/mot-cua"));
        let vantage = json!({"status": "firing", "alert": {"name": "VantageImpaired",
            "repeat": true, "agency": {"id": ""}, "system": {"id": ""}, "check": "",
            "labels": {"vantage": "hn"}}});
        assert!(line(&vantage, now)
            .unwrap()
            .ends_with("firing (repeat)  VantageImpaired      vantage hn"));
        assert_eq!(line(&json!({"hello": 1}), now), None);
    }
}
