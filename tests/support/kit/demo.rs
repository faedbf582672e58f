//! `emcd demo` on a free loopback port, and the Prometheus configuration that scrapes it:
//! `deploy/prometheus/prometheus.yml` itself, with the demo as the `emcd` job's target,
//! 1 s scrape and evaluation intervals, absolute rule file paths and no Alertmanager.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Value};

use super::{repo, Process};
use crate::support::http::get;
use crate::support::metrics::samples;
use crate::support::process::free_port;
use crate::support::{eventually_every, eventually_or};

pub struct Demo {
    pub addr: String,
    pub process: Process,
    /// Started with `--metrics-per-check lean`: no `probe_*` families.
    pub lean: bool,
}

impl Demo {
    /// Starts `emcd demo` with its data directory under `dir` and waits (bounded) until
    /// it is ready.
    pub async fn start(dir: &Path) -> Demo {
        Demo::start_with(dir, &[]).await
    }

    /// [`Demo::start`] with more flags of `emcd demo`.
    pub async fn start_with(dir: &Path, flags: &[&str]) -> Demo {
        let addr = format!("127.0.0.1:{}", free_port());
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_emcd"));
        cmd.args(["demo", "--listen", &addr, "--data-dir"])
            .arg(dir.join("demo"))
            .args(flags)
            .current_dir(dir);
        let demo = Demo {
            process: Process::spawn(&mut cmd, dir.join("demo.log")),
            addr,
            lean: flags
                .windows(2)
                .any(|f| f == ["--metrics-per-check", "lean"]),
        };
        let ready =
            || async { matches!(get(&demo.addr, "/readyz").await, Ok((200, _))).then_some(()) };
        let log = || format!("log:\n{}", demo.process.log());
        eventually_or(Duration::from_secs(60), "emcd demo to be ready", ready, log).await;
        demo
    }

    /// Waits (bounded) until `/metrics` shows what the dashboards and rules are about:
    /// a check DOWN, one DEGRADED, a firing alert, a certificate expiry, an accepted
    /// push and housekeeping done (under lean, which has no certificate family, the
    /// others).
    pub async fn wait_for_its_stories(&self) {
        let stories: [(&str, Seen); 6] = [
            ("a check DOWN", |s| any(s, "emcd_check_up{", |v| v == 0.0)),
            ("a check DEGRADED", |s| {
                any(s, "emcd_check_degraded{", |v| v == 1.0)
            }),
            ("an alert firing", |s| {
                any(s, "emcd_alerts_firing{", |v| v > 0.0)
            }),
            ("a certificate expiry", |s| {
                any(s, "probe_ssl_earliest_cert_expiry{", |v| v > 0.0)
            }),
            ("an accepted push", |s| {
                any(s, "emcd_push_requests_total{result=\"accepted\"}", |v| {
                    v > 0.0
                })
            }),
            ("housekeeping done", |s| {
                any(
                    s,
                    "emcd_housekeeping_last_success_timestamp_seconds{",
                    |v| v > 0.0,
                )
            }),
        ];
        let missing = Mutex::new(Vec::new());
        let (last, stories) = (&missing, &stories);
        let shown = move || async move {
            let page = get(&self.addr, "/metrics")
                .await
                .map(|(_, p)| p)
                .unwrap_or_default();
            let s = samples(&page);
            let not_yet: Vec<&str> = stories
                .iter()
                .filter(|(what, _)| !(self.lean && what.contains("certificate")))
                .filter(|(_, seen)| !seen(&s))
                .map(|(what, _)| *what)
                .collect();
            let done = not_yet.is_empty();
            *last.lock().unwrap() = not_yet;
            done.then_some(())
        };
        let context = || {
            let missing = missing.lock().unwrap();
            format!("missing {missing:?}; log:\n{}", self.process.log())
        };
        let (within, step) = (Duration::from_secs(120), Duration::from_millis(500));
        eventually_every(within, step, "emcd demo's stories", shown, context).await;
    }
}

/// Whether a story shows in a page of samples.
type Seen = fn(&HashMap<String, f64>) -> bool;

fn any(s: &HashMap<String, f64>, prefix: &str, ok: impl Fn(f64) -> bool) -> bool {
    s.iter().any(|(k, v)| k.starts_with(prefix) && ok(*v))
}

/// The kit's `prometheus.yml`, pointed at the demo.
pub fn prometheus_config(demo: &str) -> Value {
    prometheus_config_for(&[demo])
}

/// The kit's `prometheus.yml`, its `emcd` job scraping `targets` every second.
pub fn prometheus_config_for(targets: &[&str]) -> Value {
    let dir = repo("deploy/prometheus");
    let mut cfg = super::yaml(&dir.join("prometheus.yml"));
    cfg["global"]["scrape_interval"] = json!("1s");
    cfg["global"]["evaluation_interval"] = json!("1s");
    let rules: Vec<Value> = cfg["rule_files"]
        .as_array()
        .expect("rule_files")
        .iter()
        .map(|f| json!(dir.join(f.as_str().unwrap()).to_string_lossy()))
        .collect();
    cfg["rule_files"] = json!(rules);
    cfg.as_object_mut().unwrap().remove("alerting");
    let mut job = cfg["scrape_configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["job_name"] == "emcd")
        .expect("a scrape job named emcd")
        .clone();
    job["scrape_interval"] = json!("1s");
    job["scrape_timeout"] = json!("1s");
    job["static_configs"] = json!([{ "targets": targets }]);
    cfg["scrape_configs"] = json!([job]);
    cfg
}
