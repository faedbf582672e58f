//! Helpers for the deployment kit tests (`deploy_kit*.rs`): reading the kit's files,
//! collecting every PromQL expression of the dashboards and rules (with an id that names
//! where it comes from), substituting Grafana's template variables, running external
//! tools, and a real Prometheus process on loopback that is killed on drop.

pub mod dashboards;
pub mod demo;
pub mod evaluate;
pub mod promql;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::eventually_or;
use crate::support::http::{get, request};
use crate::support::process::free_port;

/// A path in the repository.
pub fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A YAML file as JSON values (one document).
pub fn yaml(path: &Path) -> Value {
    serde_saphyr::from_str(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()))
}

/// The files of a directory whose names end with `suffix`, sorted.
pub fn files(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(suffix))
        .collect();
    out.sort();
    out
}

/// Whether an executable of that name is on PATH.
pub fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(name).is_file()))
}

/// Runs a tool to completion and returns its output; panics, with the output, when it
/// cannot start (`need` says which package provides it).
pub fn run(program: &str, args: &[&str], need: &str) -> Output {
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} does not run ({e}); it comes with {need}"))
}

/// [`run`], and assert that it succeeded.
pub fn run_ok(program: &str, args: &[&str], need: &str) -> String {
    let out = run(program, args, need);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{program} {args:?} failed:\n{text}");
    text
}

/// A child process stopped (SIGTERM, then SIGKILL) and reaped on drop.
pub struct Process {
    pub child: Child,
    pub log: PathBuf,
}

impl Process {
    pub fn spawn(cmd: &mut Command, log: PathBuf) -> Process {
        let file = std::fs::File::create(&log).unwrap();
        let child = cmd
            .stdin(Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap_or_else(|e| panic!("{cmd:?} does not start: {e}"));
        Process { child, log }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        crate::support::stop(&mut self.child);
    }
}

/// A real Prometheus (the Debian `prometheus` binary) on a loopback port, with its
/// config and data directory under `dir`.
pub struct Prometheus {
    pub addr: String,
    pub process: Process,
}

impl Prometheus {
    pub async fn start(dir: &Path, config: &Value) -> Prometheus {
        std::fs::write(dir.join("prometheus.yml"), config.to_string()).unwrap();
        let addr = format!("127.0.0.1:{}", free_port());
        let mut cmd = Command::new("prometheus");
        cmd.arg(format!(
            "--config.file={}",
            dir.join("prometheus.yml").display()
        ))
        .arg(format!(
            "--storage.tsdb.path={}",
            dir.join("prometheus-data").display()
        ))
        .arg(format!("--web.listen-address={addr}"));
        let process = Process::spawn(&mut cmd, dir.join("prometheus.log"));
        let p = Prometheus { addr, process };
        let ready =
            || async { matches!(get(&p.addr, "/-/ready").await, Ok((200, _))).then_some(()) };
        let log = || format!("log:\n{}", p.process.log());
        eventually_or(
            Duration::from_secs(30),
            "prometheus to be ready",
            ready,
            log,
        )
        .await;
        p
    }

    /// Evaluates an instant query now: the result list, or Prometheus's error.
    pub async fn query(&self, expr: &str) -> Result<Vec<Value>, String> {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("query", expr)
            .finish();
        let (status, text) = request(
            &self.addr,
            "POST",
            "/api/v1/query",
            &[("content-type", "application/x-www-form-urlencoded")],
            body.as_bytes(),
        )
        .await
        .map_err(|e| format!("request failed: {e}"))?;
        let v: Value = serde_json::from_str(&text)
            .map_err(|e| format!("HTTP {status}, not JSON ({e}): {text}"))?;
        if v["status"] != "success" {
            return Err(format!("{}: {}", v["errorType"], v["error"]));
        }
        Ok(match &v["data"]["result"] {
            Value::Array(items) => items.clone(),
            scalar => vec![scalar.clone()],
        })
    }
}
