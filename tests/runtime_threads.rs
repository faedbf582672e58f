//! `emcd run --worker-threads N` (docs/BENCHMARKS.md, "Runtime threads"): the daemon's
//! runtime has N worker threads, as tokio counts them, and probes with them; 0 is
//! refused naming the flag and the value. Loopback only; bounded waits.

mod support;

use support::{reply, sample, serve, wait_metrics, ConfigDir, Daemon};

/// One http check every second against `url`.
fn config(url: &str) -> ConfigDir {
    let dir = ConfigDir::new("");
    dir.agency(
        "tinh-a",
        &format!(
            "agency: {{id: tinh-a, code: \"01\", name: Tỉnh A, kind: province}}\n\
             systems:\n  - id: mot-cua\n    name: Một cửa\n    kind: tthc\n    checks:\n\
             \x20     - {{id: web, interval: 1s, timeout: 500ms, http: {{url: \"{url}\"}}}}\n"
        ),
    );
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_worker_thread_probes_and_zero_is_refused() {
    let target = serve(|_| reply(200, &[], "ok")).await;
    let url = target.url("http", "/");
    for threads in ["1", "3"] {
        let dir = config(&url);
        let d = Daemon::start_args(
            dir.dir.path(),
            &dir.main_file(),
            &["--worker-threads", threads],
        );
        d.wait_ready().await;
        wait_metrics(&d, "two results of the check", |s| {
            sample(s, "emcd_probes_total", &["check=\"web\"", "result=\"up\""]) >= Some(2.0)
        })
        .await;
        // As the runtime itself counts them (tokio's RuntimeMetrics::num_workers).
        let log = d.log();
        assert!(
            log.contains(&format!("worker_threads={threads}"))
                && log.contains("async runtime started"),
            "`--worker-threads {threads}`:\n{log}"
        );
    }

    let dir = config(&url);
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_emcd"))
        .args(["run", "--config"])
        .arg(dir.main_file())
        .args(["--worker-threads", "0"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("--worker-threads") && stderr.contains("'0'"),
        "{stderr}"
    );
    assert!(!dir.dir.path().join("emcd.db").exists(), "nothing created");
}
