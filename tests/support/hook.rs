//! A loopback webhook receiver for the alerting tests (`Hook`): it records every request
//! (`Received`) and answers from a script of statuses and `Retry-After` values.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::eventually_or;

/// One request a [`Hook`] received.
#[derive(Clone, Debug)]
pub struct Received {
    pub at: Instant,
    pub path: String,
    /// Header names lower-cased.
    pub headers: HashMap<String, String>,
    pub body: String,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A loopback webhook receiver that records every request and answers from a script:
/// each entry is (status, Retry-After); once the script is used up it answers 200.
#[derive(Clone)]
pub struct Hook {
    pub addr: std::net::SocketAddr,
    pub received: Arc<std::sync::Mutex<Vec<Received>>>,
}

impl Hook {
    pub async fn start(script: Vec<(u16, Option<&'static str>)>) -> Hook {
        Hook::start_on(TcpListener::bind("127.0.0.1:0").await.unwrap(), script)
    }

    pub fn start_on(listener: TcpListener, script: Vec<(u16, Option<&'static str>)>) -> Hook {
        let addr = listener.local_addr().unwrap();
        let received = Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = received.clone();
        let script = Arc::new(std::sync::Mutex::new(std::collections::VecDeque::from(
            script,
        )));
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    let Some((head, body)) = read_request(&mut s).await else {
                        return;
                    };
                    let mut lines = head.lines();
                    let path = lines
                        .next()
                        .and_then(|l| l.split_whitespace().nth(1))
                        .unwrap_or("")
                        .to_owned();
                    let headers: HashMap<String, String> = lines
                        .filter_map(|l| l.split_once(':'))
                        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
                        .collect();
                    let (status, retry_after) =
                        script.lock().unwrap().pop_front().unwrap_or((200, None));
                    log.lock().unwrap().push(Received {
                        at: Instant::now(),
                        path,
                        headers,
                        body,
                    });
                    let extra = retry_after
                        .map(|r| format!("retry-after: {r}\r\n"))
                        .unwrap_or_default();
                    let resp = format!("HTTP/1.1 {status} Scripted\r\n{extra}content-length: 0\r\nconnection: close\r\n\r\n");
                    let _ = s.write_all(resp.as_bytes()).await;
                    let _ = s.shutdown().await;
                });
            }
        });
        Hook { addr, received }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// Waits (bounded) until at least `n` requests arrived; returns them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let arrived = || {
            let got = self.requests();
            async move { (got.len() >= n).then_some(got) }
        };
        let got = || format!("got {:#?}", self.requests());
        eventually_or(within, &format!("{n} hook requests"), arrived, got).await
    }
}

/// Reads one HTTP/1.1 request with a content-length body: (head, body).
async fn read_request(s: &mut tokio::net::TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let len: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk))
            .await
            .ok()?
            .ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some((head, String::from_utf8_lossy(&body).into_owned()))
}
