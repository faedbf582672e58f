//! Fair verdicts end to end against the real binary (docs/alerts.md, "VantageImpaired"):
//! the vantage's one canary is a loopback port the test closes while the agency's target
//! fails too. Results taken meanwhile are `unknown` / `vantage` (the raw outcome in the
//! message), one `VantageImpaired` fires and then resolves, no `CheckDown` is sent, and
//! availability is unchanged by the impaired span. Everything stays on 127.0.0.1.

mod support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use support::{get, sample, start_target, wait_metrics, Daemon, Hook};
use tokio::net::TcpListener;

/// A canary: a listener that accepts and closes, until dropped.
fn canary(listener: TcpListener) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            drop(s);
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_impaired_vantage_books_nothing_against_agencies() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let hook = Hook::start(vec![]).await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let canary_addr = listener.local_addr().unwrap();
    let canary_task = canary(listener);
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    std::fs::write(
        dir.path().join("emcd.yaml"),
        format!(
            "storage: {{path: emcd.db}}\ncluster: {{vantage: hn-test}}\n\
             probing:\n  canary_interval: 1s\n  canaries:\n\
             \x20   - {{id: gw, tcp: {{host: 127.0.0.1, port: {}}}}}\n\
             alerting:\n  repeat_interval: 0s\n  receivers:\n\
             \x20   - {{name: ops, webhook: {{url: \"http://{}/hook\"}}}}\n\
             \x20 routes:\n    - {{receiver: ops}}\ninclude: [agencies/*.yaml]\n",
            canary_addr.port(),
            hook.addr
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("agencies/bo-tu-phap.yaml"),
        format!(
            "agency: {{id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}}\n\
             systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n\
             \x20     - id: portal\n        interval: 1s\n        timeout: 500ms\n\
             \x20       failure_threshold: 2\n        http: {{url: \"http://{}/dyn\"}}\n",
            target.addr
        ),
    )
    .unwrap();
    let mut d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;
    wait_metrics(&d, "the canary passing", |s| {
        sample(
            s,
            "emcd_canary_success",
            &["vantage=\"hn-test\"", "canary=\"gw\""],
        ) == Some(1.0)
            && sample(s, "probe_success", &["check=\"portal\""]) == Some(1.0)
    })
    .await;

    // The monitor's own network fails: its canary is gone.
    canary_task.abort();
    let _ = canary_task.await;
    wait_metrics(&d, "the vantage impaired", |s| {
        sample(s, "emcd_vantage_impaired", &["vantage=\"hn-test\""]) == Some(1.0)
    })
    .await;
    let (_, status) = get(&d.addr, "/api/v1/status").await.unwrap();
    let status: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(status["measurement"]["impaired"], true, "{status}");
    assert_eq!(status["measurement"]["vantage"], "hn-test");
    let (_, page) = get(&d.addr, "/").await.unwrap();
    assert!(
        page.contains("hn-test"),
        "the status page says measurement is impaired"
    );
    // Meanwhile every probe of the agency's target fails as well.
    target.dyn_status.store(503, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(5)).await;
    target.dyn_status.store(200, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The network is back.
    let listener = TcpListener::bind(canary_addr).await.unwrap();
    let _canary = canary(listener);
    wait_metrics(&d, "the vantage recovered", |s| {
        sample(s, "emcd_vantage_impaired", &["vantage=\"hn-test\""]) == Some(0.0)
    })
    .await;
    let got = hook.wait_for(2, Duration::from_secs(15)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let names: Vec<(String, String)> = hook
        .requests()
        .iter()
        .map(|r| {
            let v = r.json();
            let name = v["alert"]["name"].as_str().unwrap_or_default().to_owned();
            (name, v["status"].as_str().unwrap_or_default().to_owned())
        })
        .collect();
    assert_eq!(
        names,
        [
            ("VantageImpaired".to_owned(), "firing".to_owned()),
            ("VantageImpaired".to_owned(), "resolved".to_owned())
        ],
        "one VantageImpaired, firing then resolved, and no CheckDown: {:?}",
        got.iter().map(|r| r.body.clone()).collect::<Vec<_>>()
    );
    assert_eq!(
        got[0].json()["alert"]["labels"]["vantage"],
        "hn-test",
        "{}",
        got[0].body
    );

    let (_, body) = get(
        &d.addr,
        "/api/v1/checks/bo-tu-phap/ho-tich/portal/results?limit=1000",
    )
    .await
    .unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let results = v["results"].as_array().unwrap();
    assert!(
        results.iter().all(|r| r["result"] != "down"),
        "nothing booked down: {body}"
    );
    let impaired: Vec<&serde_json::Value> = results
        .iter()
        .filter(|r| r["result"] == "unknown" && r["error_kind"] == "vantage")
        .collect();
    assert!(
        impaired.len() >= 4,
        "results taken while impaired are unknown: {body}"
    );
    assert!(
        impaired
            .iter()
            .any(|r| r["message"].as_str().unwrap_or_default().contains("503")),
        "the raw outcome is kept in the message: {body}"
    );
    let (_, check) = get(&d.addr, "/api/v1/checks/bo-tu-phap/ho-tich/portal")
        .await
        .unwrap();
    let check: serde_json::Value = serde_json::from_str(&check).unwrap();
    assert_eq!(check["state"]["status"], "up", "{check}");
    let hour = &check["availability"]["windows"]["1h"];
    assert_eq!(
        hour["ratio"], 1.0,
        "the impaired span is not counted: {check}"
    );
    assert!(d.terminate().success());
}

/// A probe still running when shutdown's grace ends is recorded, as `unknown` /
/// `vantage`, not dropped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_cut_off_by_shutdown_is_recorded_unknown() {
    use sqlx::Connection;
    let dir = tempfile::tempdir().unwrap();
    // A target that accepts and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut conns = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            conns.push(s);
        }
    });
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    std::fs::write(
        dir.path().join("emcd.yaml"),
        "storage: {path: emcd.db}\ninclude: [agencies/*.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("agencies/bo-tu-phap.yaml"),
        format!(
            "agency: {{id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}}\n\
             systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n\
             \x20     - id: slow\n        interval: 2m\n        timeout: 100s\n\
             \x20       http: {{url: \"http://{addr}/\"}}\n"
        ),
    )
    .unwrap();
    let mut d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;
    wait_metrics(&d, "the probe running", |s| {
        sample(s, "emcd_probes_in_flight", &[]) == Some(1.0)
    })
    .await;
    let started = std::time::Instant::now();
    assert!(d.terminate().success(), "{}", d.log());
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "stopped within the grace"
    );
    held.abort();
    let db = dir.path().join("emcd.db");
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let rows: Vec<(i64, Option<String>)> = sqlx::query_as("SELECT code, message FROM results")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    // 30103: unknown with error kind vantage (store/codec.rs, the extension range).
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, 30_103, "{rows:?}");
    assert!(
        rows[0]
            .1
            .as_deref()
            .unwrap_or_default()
            .contains("cut off by shutdown"),
        "{rows:?}"
    );
}
