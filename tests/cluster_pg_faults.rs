//! PostgreSQL faults end to end (docs/cluster.md, "Failure modes"), with a real server
//! and the real binary: a server that is down at start is waited for (logged once, then
//! once a minute) and used once it answers; a server restarted under load loses nothing
//! (the node holds its results and commits them when the server is back).

mod support;

use std::path::Path;
use std::time::Duration;

use support::postgres::Postgres;
use support::{eventually_or, get, sample, samples, start_target, Daemon};

fn write_config(dir: &Path, url: &str, target: &str, checks: usize) {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        format!("storage: {{postgres: \"{url}\"}}\ncluster: {{lease: 3s}}\ninclude: [agencies/*.yaml]\n"),
    )
    .unwrap();
    let mut yaml = String::from(
        "agency: {id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}\n\
         systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n",
    );
    for i in 0..checks {
        yaml.push_str(&format!(
            "      - id: c{i}\n        interval: 1s\n        timeout: 800ms\n        http: {{url: \"http://{target}/ok\"}}\n"
        ));
    }
    std::fs::write(dir.join("agencies/bo-tu-phap.yaml"), yaml).unwrap();
}

async fn metric(d: &Daemon, name: &str) -> Option<f64> {
    let page = get(&d.addr, "/metrics").await.ok()?.1;
    sample(&samples(&page), name, &[])
}

/// Per check, the timestamps of its stored results, oldest first.
async fn stored(url: &str) -> Vec<Vec<i64>> {
    use sqlx::Connection;
    let mut c = sqlx::PgConnection::connect(url).await.unwrap();
    let rows: Vec<(i32, i64)> = sqlx::query_as("SELECT check_id, ts FROM results ORDER BY ts")
        .fetch_all(&mut c)
        .await
        .unwrap();
    let mut by_check = std::collections::BTreeMap::<i32, Vec<i64>>::new();
    for (id, ts) in rows {
        by_check.entry(id).or_default().push(ts);
    }
    by_check.into_values().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_down_at_start_is_waited_for() {
    let pg = Postgres::start();
    let url = pg.create("emcd").await;
    pg.stop();
    let target = start_target().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &url, &target.addr.to_string(), 2);
    let mut d = Daemon::start_args(dir.path(), &dir.path().join("emcd.yaml"), &["--node", "n1"]);
    let d_ref = &d;
    eventually_or(
        Duration::from_secs(10),
        "the node to say it cannot reach PostgreSQL",
        || async move {
            d_ref
                .log()
                .contains("cannot reach PostgreSQL")
                .then_some(())
        },
        || d_ref.log(),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    let log = d.log();
    assert_eq!(
        log.matches("cannot reach PostgreSQL").count(),
        1,
        "logged once: {log}"
    );
    assert!(!log.contains(support::postgres::PASSWORD), "{log}");
    pg.start_again();
    d.wait_ready().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(stored(&url).await.iter().all(|ts| !ts.is_empty()));
    let status = d.terminate();
    assert!(status.success(), "{}", d.log());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restarted_under_load_loses_nothing() {
    let pg = Postgres::start();
    let url = pg.create("emcd").await;
    let target = start_target().await;
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &url, &target.addr.to_string(), 40);
    let mut d = Daemon::start_args(dir.path(), &dir.path().join("emcd.yaml"), &["--node", "n1"]);
    d.wait_ready().await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    pg.stop();
    let d_ref = &d;
    eventually_or(
        Duration::from_secs(20),
        "the node to hold results while PostgreSQL is down",
        || async move {
            let failing = metric(d_ref, "emcd_store_failing").await? == 1.0;
            let held = metric(d_ref, "emcd_store_pending_results").await? >= 40.0;
            (failing && held).then_some(())
        },
        || d_ref.log(),
    )
    .await;
    // Seconds are whole: a second more keeps the span below at 8 s or more.
    tokio::time::sleep(Duration::from_secs(4)).await;
    pg.start_again();
    eventually_or(
        Duration::from_secs(30),
        "the node to commit again",
        || async move { (metric(d_ref, "emcd_store_failing").await? == 0.0).then_some(()) },
        || d_ref.log(),
    )
    .await;
    assert_eq!(metric(&d, "emcd_store_results_lost_total").await, Some(0.0));
    tokio::time::sleep(Duration::from_secs(2)).await;
    let status = d.terminate();
    assert!(status.success(), "clean stop: {}", d.log());

    let checks = stored(&url).await;
    assert_eq!(checks.len(), 40);
    for ts in &checks {
        // Every second of the run has its result, the outage's too.
        let span = ts.last().unwrap() - ts.first().unwrap();
        assert!(span >= 8, "the run spans the outage: {span} s");
        let gap = ts.windows(2).map(|w| w[1] - w[0]).max().unwrap();
        assert!(
            gap <= 2,
            "a gap of {gap} s in a 1 s check: results were lost"
        );
    }
}
