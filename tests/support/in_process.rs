//! The whole daemon run in the test's process (`Running`, `emcd::daemon::run_with` on a
//! `127.0.0.1:0` listener) on a config written to a temporary directory (`ConfigDir`),
//! whose database can be seeded before it starts; and small helpers of the API tests:
//! `now`, `unix`, `crate_file`, `per_second`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use emcd::result::ResultKind;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::eventually_or;
use super::http::{send, Response};

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
        super::seed::seed(&self.main_file(), rows).await;
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

    /// One request to the daemon.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> std::io::Result<Response> {
        send(&self.addr.to_string(), method, path, headers, body).await
    }

    pub async fn get(&self, path: &str) -> std::io::Result<Response> {
        self.send("GET", path, &[], b"").await
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

    /// Polls `path` (bounded, 20 s) until `done` holds for its JSON.
    pub async fn wait_json(
        &self,
        path: &str,
        what: &str,
        done: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let last = Mutex::new(serde_json::Value::Null);
        let (seen, done) = (&last, &done);
        let poll = move || async move {
            let v = self.json(path).await;
            if done(&v) {
                return Some(v);
            }
            *seen.lock().unwrap() = v;
            None
        };
        let context = || format!("last {path}:\n{:#}", last.lock().unwrap());
        eventually_or(Duration::from_secs(20), what, poll, context).await
    }

    /// Waits (bounded, 20 s) until the start-up housekeeping pass (rollups, then
    /// retention) has run, as `/metrics` reports it.
    pub async fn wait_housekeeping(&self) {
        let last = Mutex::new(String::new());
        let seen = &last;
        let poll = move || async move {
            let page = self.fetch("/metrics").await.body;
            let done = "emcd_housekeeping_last_success_timestamp_seconds{job=\"retention\"}";
            if page.contains(done) {
                return Some(());
            }
            *seen.lock().unwrap() = page;
            None
        };
        let context = || format!("metrics:\n{}", last.lock().unwrap());
        eventually_or(Duration::from_secs(20), "housekeeping", poll, context).await
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
