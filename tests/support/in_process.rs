//! Helpers for the API and status page tests: the whole daemon started in-process with
//! `emcd::daemon::run` on a `127.0.0.1:0` listener and a config written to a temporary
//! directory, a database seeded with results at chosen times before it starts, and a
//! small HTTP/1.1 client. Everything stays on loopback and every wait is bounded.
#![allow(dead_code)]

pub mod fixture;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use emcd::result::ResultKind;
use emcd::store::writer::{self, ResultRow, WriterMetrics};
use emcd::store::{pack, Store};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// A config directory: `emcd.yaml` plus `agencies/*.yaml`, and the database beside them.
pub struct ConfigDir {
    pub dir: tempfile::TempDir,
}

impl ConfigDir {
    /// Writes the main file (with `storage.path` set to `emcd.db` in the directory,
    /// absolute, since tests share one working directory) and `include: agencies/*.yaml`.
    pub fn new(main_extra: &str) -> ConfigDir {
        ConfigDir::with_storage(main_extra, "")
    }

    /// As `new`, with `storage_extra` (indented lines) added to the `storage` section.
    pub fn with_storage(main_extra: &str, storage_extra: &str) -> ConfigDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
        let main = format!(
            "{main_extra}storage:\n  path: {}\n{storage_extra}include:\n  - agencies/*.yaml\n",
            dir.path().join("emcd.db").display()
        );
        std::fs::write(dir.path().join("emcd.yaml"), main).unwrap();
        ConfigDir { dir }
    }

    pub fn agency(&self, id: &str, yaml: &str) {
        std::fs::write(self.dir.path().join(format!("agencies/{id}.yaml")), yaml).unwrap();
    }

    pub fn main_file(&self) -> PathBuf {
        self.dir.path().join("emcd.yaml")
    }

    pub fn config(&self) -> emcd::config::Config {
        emcd::config::load_with_env(&self.main_file(), &|_| None)
            .unwrap_or_else(|e| panic!("test config is invalid:\n{e}"))
    }

    /// Stores results for checks (by full id) before the daemon starts, in the given
    /// order (which must be time order, as the writer's minute marks expect).
    pub async fn seed(&self, rows: &[(&str, i64, ResultKind)]) {
        let config = self.config();
        let (store, mut conn) = Store::open(&config.storage.path).await.unwrap();
        let ids = writer::register(&mut conn, &emcd::reload::check_list(&config))
            .await
            .unwrap();
        let metrics = WriterMetrics::new();
        let (handle, task) = writer::spawn(conn, metrics, 1024);
        for &(check, ts, result) in rows {
            let (error, status) = match result {
                ResultKind::Down => (Some(emcd::result::ErrorKind::Status), Some(503)),
                _ => (None, Some(200)),
            };
            let row = ResultRow {
                check_id: ids[check],
                ts,
                code: pack(result, error, status),
                duration_ms: 100,
                message: (result == ResultKind::Down).then(|| "seeded failure".into()),
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
}

/// The daemon running in this process.
pub struct Running {
    pub addr: SocketAddr,
    shutdown: CancellationToken,
    task: JoinHandle<anyhow::Result<()>>,
}

impl Running {
    /// Starts the daemon on the config of `dir` and waits (bounded) until it is ready.
    pub async fn start(dir: &ConfigDir) -> Running {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let shutdown = CancellationToken::new();
        let ready = CancellationToken::new();
        let options = emcd::daemon::Options {
            ready: Some(ready.clone()),
            ..Default::default()
        };
        let task = tokio::spawn(emcd::daemon::run_with(
            dir.config(),
            listener,
            shutdown.clone(),
            options,
        ));
        let mut running = Running {
            addr,
            shutdown,
            task,
        };
        tokio::select! {
            _ = ready.cancelled() => {}
            ended = &mut running.task => panic!("emcd stopped before it was ready: {ended:?}"),
            _ = tokio::time::sleep(Duration::from_secs(20)) => panic!("emcd not ready within 20 s"),
        }
        assert_eq!(running.fetch("/readyz").await.status, 200);
        running
    }

    pub async fn get(&self, path: &str) -> std::io::Result<Response> {
        request(self.addr, "GET", path, &[], b"").await
    }

    /// GET that must answer; panics with the path otherwise.
    pub async fn fetch(&self, path: &str) -> Response {
        self.get(path)
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }

    /// GET that must answer 200 with JSON.
    pub async fn json(&self, path: &str) -> serde_json::Value {
        let r = self.fetch(path).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
        assert_eq!(r.header("content-type"), Some("application/json"), "{path}");
        serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("GET {path}: {e}: {}", r.body))
    }

    /// Polls `path` (bounded) until `done` holds for its JSON.
    pub async fn wait_json(
        &self,
        path: &str,
        what: &str,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let v = self.json(path).await;
            if done(&v) {
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "never {what}; last {path}:\n{v:#}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits (bounded) until the start-up housekeeping pass (rollups, then retention)
    /// has run, as `/metrics` reports it.
    pub async fn wait_housekeeping(&self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let page = self.fetch("/metrics").await.body;
            if page.contains("emcd_housekeeping_last_success_timestamp_seconds{job=\"retention\"}")
            {
                return;
            }
            assert!(Instant::now() < deadline, "housekeeping never ran:\n{page}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Stops the daemon and checks it stopped cleanly.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(20), self.task)
            .await
            .expect("emcd stopped within 20 s")
            .expect("emcd did not panic")
            .expect("emcd stopped without error");
    }
}

/// A response as read off the wire.
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

/// One HTTP/1.1 request with `connection: close`; the body is read to the end.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Response> {
    let bounded = Duration::from_secs(10);
    let mut s = tokio::time::timeout(bounded, tokio::net::TcpStream::connect(addr)).await??;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).await?;
    s.write_all(body).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(bounded, s.read_to_end(&mut raw)).await??;
    let text = String::from_utf8(raw).map_err(std::io::Error::other)?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .ok_or_else(|| std::io::Error::other(format!("no header end in {text:.200}")))?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("bad status line in {head:.200}")))?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Response {
        status,
        headers,
        body: body.to_owned(),
    })
}

/// Unix seconds now.
pub fn now() -> i64 {
    emcd::util::unix_now()
}

/// Parses an RFC 3339 time of a response to unix seconds.
pub fn unix(rfc3339: &serde_json::Value) -> i64 {
    let s = rfc3339
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {rfc3339}"));
    chrono::DateTime::parse_from_rfc3339(s)
        .unwrap_or_else(|e| panic!("{s}: {e}"))
        .timestamp()
}

/// The path of a file in the crate.
pub fn crate_file(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Seconds of `[from, to)` by kind (up, degraded, down, maintenance, unknown), deciding
/// each second on its own: the latest result at or before it counts while it is less
/// than `cap` old, else the second is unknown. An independent check of docs/results.md.
pub fn per_second(history: &[(i64, ResultKind)], cap: i64, from: i64, to: i64) -> [i64; 5] {
    let mut out = [0; 5];
    let mut latest: Option<usize> = None;
    let mut next = 0;
    for s in from..to {
        while next < history.len() && history[next].0 <= s {
            latest = Some(next);
            next += 1;
        }
        let kind = latest
            .map(|i| history[i])
            .filter(|&(t, _)| s < t + cap)
            .map(|(_, k)| k);
        let slot = match kind {
            Some(ResultKind::Up) => 0,
            Some(ResultKind::Degraded) => 1,
            Some(ResultKind::Down) => 2,
            Some(ResultKind::Maintenance) => 3,
            Some(ResultKind::Unknown) | None => 4,
        };
        out[slot] += 1;
    }
    out
}
