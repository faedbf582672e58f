//! Helpers shared by the end-to-end tests: a loopback HTTP target that counts what it
//! served, a running `emcd` binary with a temporary config, and small HTTP/metrics
//! readers. Everything stays on 127.0.0.1 and every wait is bounded.
#![allow(dead_code, unused_imports)]

mod hook;

pub use hook::{Hook, Received};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A loopback HTTP/1.1 server: `/ok` answers 200, `/fail` 503, `/dyn` the status in
/// `dyn_status` (200 at first), `/fifth` 503 to every fifth request, anything else 404. `served` counts responses written.
pub struct Target {
    pub addr: std::net::SocketAddr,
    pub served: Arc<AtomicU64>,
    pub dyn_status: Arc<std::sync::atomic::AtomicU16>,
}

pub async fn start_target() -> Target {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let served = Arc::new(AtomicU64::new(0));
    let dyn_status = Arc::new(std::sync::atomic::AtomicU16::new(200));
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

/// A free loopback port (bound then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A running `emcd` process, killed on drop if still running.
pub struct Daemon {
    pub child: Child,
    pub addr: String,
    pub dir: PathBuf,
}

impl Daemon {
    /// Starts `emcd run` on `main_config` with `--listen` on a free port.
    pub fn start(dir: &Path, main_config: &Path) -> Daemon {
        Daemon::start_with_env(dir, main_config, &[])
    }

    /// [`Daemon::start`] with extra environment variables.
    pub fn start_with_env(dir: &Path, main_config: &Path, env: &[(&str, &str)]) -> Daemon {
        Daemon::spawn(dir, main_config, env, &[])
    }

    /// [`Daemon::start`] with extra arguments to `emcd run`.
    #[allow(dead_code)]
    pub fn start_args(dir: &Path, main_config: &Path, args: &[&str]) -> Daemon {
        Daemon::spawn(dir, main_config, &[], args)
    }

    fn spawn(dir: &Path, main_config: &Path, env: &[(&str, &str)], args: &[&str]) -> Daemon {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let log = std::fs::File::create(dir.join("emcd.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_emcd"))
            .args(["run", "--config"])
            .arg(main_config)
            .args(["--listen", &addr, "--log-level", "debug"])
            .args(args)
            .current_dir(dir)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("emcd binary starts");
        Daemon {
            child,
            addr,
            dir: dir.to_owned(),
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("emcd.log")).unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Waits (bounded) until `/readyz` answers 200.
    pub async fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Ok((200, _)) = get(&self.addr, "/readyz").await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("emcd never became ready; log:\n{}", self.log());
    }

    /// Sends a signal (`HUP`, `TERM`, ...) to the process.
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap();
        assert!(ok.success(), "kill -{name} {pid}");
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let log = self.dir.join("emcd.log");
        terminate(&mut self.child, "emcd", || {
            std::fs::read_to_string(&log).unwrap_or_default()
        })
    }
}

/// Sends SIGTERM to `child` (called `what` in messages) and waits, at most 20 s, for its
/// exit status; `output` is shown if it does not exit.
pub fn terminate(
    child: &mut Child,
    what: &str,
    output: impl Fn() -> String,
) -> std::process::ExitStatus {
    let pid = child.id().to_string();
    let ok = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(ok.success(), "kill -TERM {pid}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "{what} did not exit within 20 s of SIGTERM; output:\n{}",
            output()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 GET over loopback: (status, body).
pub async fn get(addr: &str, path: &str) -> std::io::Result<(u16, String)> {
    request(addr, "GET", path, &[], b"").await
}

/// A minimal HTTP/1.1 request over loopback: (status, body).
pub async fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<(u16, String)> {
    let mut s = tokio::time::timeout(Duration::from_secs(5), tokio::net::TcpStream::connect(addr))
        .await??;
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await?;
    // A server may answer (e.g. 413) before reading a large body: ignore write errors.
    let _ = s.write_all(body).await;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut raw)).await??;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("not an HTTP response: {text:.80}")))?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let body = if text
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

/// Polls `/metrics` (bounded) until `ready` holds on its samples; returns the page.
pub async fn wait_metrics(
    d: &Daemon,
    what: &str,
    ready: impl Fn(&HashMap<String, f64>) -> bool,
) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (_, page) = get(&d.addr, "/metrics").await.unwrap();
        if ready(&samples(&page)) {
            return page;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; metrics:\n{page}\nlog:\n{}",
            d.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n.min(rest.len())]);
        s = rest.get(n + 2..).unwrap_or("");
    }
    out
}

/// Parses the samples of a metrics page: full series text (name + labels) -> value.
pub fn samples(page: &str) -> HashMap<String, f64> {
    page.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .filter_map(|l| {
            let (series, value) = l.rsplit_once(' ')?;
            Some((series.to_owned(), value.parse().ok()?))
        })
        .collect()
}

/// The value of the first sample whose name is `name` and whose labels include all of
/// `labels` (given as `key="value"` strings).
pub fn sample(samples: &HashMap<String, f64>, name: &str, labels: &[&str]) -> Option<f64> {
    samples.iter().find_map(|(series, v)| {
        let (n, rest) = series.split_once('{').unwrap_or((series, ""));
        (n == name && labels.iter().all(|l| rest.contains(l))).then_some(*v)
    })
}

/// Stores results for checks (by full id) in the database of `main_config` before a
/// daemon starts, in the given order (time order, as the writer's minute marks expect).
pub async fn seed(main_config: &Path, rows: &[(&str, i64, emcd::result::ResultKind)]) {
    use emcd::result::{ErrorKind, ResultKind};
    use emcd::store::writer::{self, ResultRow, WriterMetrics};
    let config = emcd::config::load(main_config).unwrap();
    let db = main_config.parent().unwrap().join(&config.storage.path);
    let (store, mut conn) = emcd::store::Store::open(&db).await.unwrap();
    let ids = writer::register(&mut conn, &emcd::reload::check_list(&config))
        .await
        .unwrap();
    let (handle, task) = writer::spawn(conn, WriterMetrics::new(), 1024);
    for &(check, ts, result) in rows {
        let down = result == ResultKind::Down;
        let (error, status) = if down {
            (Some(ErrorKind::Status), Some(503))
        } else {
            (None, Some(200))
        };
        let row = ResultRow {
            check_id: ids[check],
            ts,
            code: emcd::store::pack(result, error, status),
            duration_ms: 100,
            message: down.then(|| "seeded failure".into()),
        };
        handle.send(row, Default::default()).await.unwrap();
    }
    drop(handle);
    tokio::time::timeout(Duration::from_secs(20), task)
        .await
        .expect("seeding finished in time")
        .unwrap();
    drop(store);
}

/// Bộ Tư pháp with one system whose http checks (id, url) probe every second with the
/// given (failure, success) thresholds: the alerting tests' fleet.
pub fn alerting_agency(dir: &Path, checks: &[(&str, String)], thresholds: (u32, u32)) {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    let mut yaml = String::from(
        "agency: {id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}\n\
         systems:\n  - id: ho-tich\n    name: Hệ thống đăng ký hộ tịch\n    kind: tthc\n    checks:\n",
    );
    for (id, url) in checks {
        yaml.push_str(&format!(
            "      - id: {id}\n        interval: 1s\n        timeout: 500ms\n        failure_threshold: {}\n        success_threshold: {}\n        http: {{url: \"{url}\"}}\n",
            thresholds.0, thresholds.1
        ));
    }
    std::fs::write(dir.join("agencies/bo-tu-phap.yaml"), yaml).unwrap();
}
