//! End to end: the real `emcd run` binary with a temporary config against loopback
//! targets. It probes, exposes `/metrics` that promtool accepts, stores every result in
//! SQLite and, on SIGTERM, exits 0 with every finished probe's result committed.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use support::{eventually_every, get, sample, samples, start_target, Daemon};

fn write_config(
    dir: &std::path::Path,
    target: std::net::SocketAddr,
    closed_port: u16,
) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        "storage:\n  path: data/emcd.db\ndefaults:\n  interval: 1s\n  timeout: 800ms\n  failure_threshold: 2\n  success_threshold: 1\ninclude:\n  - agencies/*.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("agencies/bo-tu-phap.yaml"),
        format!(
            "agency:\n  id: bo-tu-phap\n  code: BTP\n  name: Bộ Tư pháp\n  kind: ministry\n\
             systems:\n  - id: ho-tich\n    name: Hệ thống đăng ký hộ tịch\n    kind: tthc\n    checks:\n\
             \x20     - id: good\n        http: {{url: \"http://{target}/ok\"}}\n\
             \x20     - id: bad\n        http: {{url: \"http://{target}/fail\"}}\n\
             \x20     - id: port\n        tcp: {{host: 127.0.0.1, port: {port}}}\n\
             \x20     - id: closed\n        tcp: {{host: 127.0.0.1, port: {closed_port}}}\n",
            port = target.port()
        ),
    )
    .unwrap();
    dir.join("emcd.yaml")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_probes_exposes_metrics_stores_results_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let config = write_config(dir.path(), target.addr, support::free_port());
    let mut daemon = Daemon::start(dir.path(), &config);
    daemon.wait_ready().await;
    assert_eq!(get(&daemon.addr, "/healthz").await.unwrap().0, 200);

    // Wait (bounded) until the bad check has gone DOWN after its threshold.
    let last = std::sync::Mutex::new(String::new());
    let (seen, addr) = (&last, daemon.addr.as_str());
    let down = move || async move {
        let (status, page) = get(addr, "/metrics").await.unwrap();
        assert_eq!(status, 200);
        let s = samples(&page);
        let bad_down = sample(&s, "emcd_check_up", &["check=\"bad\""]) == Some(0.0);
        let closed_down = sample(&s, "emcd_check_up", &["check=\"closed\""]) == Some(0.0);
        if bad_down && closed_down {
            return Some(page);
        }
        *seen.lock().unwrap() = page;
        None
    };
    let context = || format!("metrics:\n{}\nlog:\n{}", last.lock().unwrap(), daemon.log());
    let page = eventually_every(
        Duration::from_secs(20),
        Duration::from_millis(200),
        "the bad and closed checks to go down",
        down,
        context,
    )
    .await;
    let s = samples(&page);
    for (check, success) in [("good", 1.0), ("bad", 0.0), ("port", 1.0), ("closed", 0.0)] {
        let labels = ["agency=\"bo-tu-phap\"", "system=\"ho-tich\""];
        let check_label = format!("check=\"{check}\"");
        let mut l = labels.to_vec();
        l.push(&check_label);
        assert_eq!(
            sample(&s, "probe_success", &l),
            Some(success),
            "probe_success of {check}"
        );
    }
    assert_eq!(sample(&s, "emcd_check_up", &["check=\"good\""]), Some(1.0));
    assert_eq!(
        sample(&s, "probe_http_status_code", &["check=\"bad\""]),
        Some(503.0)
    );
    assert_eq!(
        sample(&s, "probe_http_status_code", &["check=\"good\""]),
        Some(200.0)
    );
    assert!(sample(
        &s,
        "probe_http_duration_seconds",
        &["check=\"good\"", "phase=\"processing\""]
    )
    .is_some());
    assert!(
        sample(
            &s,
            "emcd_probes_total",
            &["check=\"bad\"", "result=\"down\""]
        )
        .unwrap()
            >= 2.0
    );
    assert_eq!(sample(&s, "emcd_checks", &["kind=\"http\""]), Some(2.0));
    assert_eq!(sample(&s, "emcd_checks", &["kind=\"tcp\""]), Some(2.0));
    assert!(sample(&s, "emcd_scheduler_lag_seconds_count", &[]).unwrap() >= 4.0);
    assert!(
        sample(
            &s,
            "emcd_probe_duration_seconds_count",
            &["system=\"ho-tich\""]
        )
        .unwrap()
            >= 4.0
    );
    assert_eq!(sample(&s, "emcd_build_info", &[]), Some(1.0));

    // promtool (Debian package `prometheus`) must accept the page.
    let page_file = dir.path().join("metrics.txt");
    std::fs::write(&page_file, &page).unwrap();
    let promtool = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::fs::File::open(&page_file).unwrap())
        .output()
        .expect("promtool is installed (Debian package `prometheus`; .ci/run installs it)");
    assert!(
        promtool.status.success(),
        "promtool check metrics rejected the page:\n{}{}",
        String::from_utf8_lossy(&promtool.stdout),
        String::from_utf8_lossy(&promtool.stderr)
    );

    // SIGTERM: exit 0, and every probe the target answered is in the database.
    let status = daemon.terminate();
    assert!(
        status.success(),
        "exit status {status:?}; log:\n{}",
        daemon.log()
    );
    let served = target.served.load(Ordering::SeqCst);
    assert!(served >= 4);
    let db = dir.path().join("data/emcd.db");
    let (store, _conn) = emcd::store::Store::open(&db).await.unwrap();
    let ids = store.check_ids().await.unwrap();
    let mut http_results = 0;
    for check in ["good", "bad"] {
        let id = ids[&format!("bo-tu-phap/ho-tich/{check}")];
        let rows = store.results(id, None, None, 10_000).await.unwrap();
        assert!(!rows.is_empty(), "{check} has stored results");
        http_results += rows.len() as u64;
    }
    assert_eq!(
        http_results, served,
        "every answered HTTP probe has its result stored"
    );
    let closed = store
        .results(ids["bo-tu-phap/ho-tich/closed"], None, None, 1)
        .await
        .unwrap();
    assert_eq!(closed[0].error, Some(emcd::result::ErrorKind::Connect));
    assert!(daemon.log().contains("check state changed"));
}
