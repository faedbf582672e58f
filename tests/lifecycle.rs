//! An agency's lifecycle (docs/configuration.md, "Lifecycle"), end to end: an agency
//! past its `valid_to` (a 2025 merger of `data/mergers-2025.yaml`) is not probed, not
//! shown live and not required, while its successor is; both are stored with their
//! names and lifecycle, the merged one as left; removing its file keeps its stored name.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use emcd::store::Store;
use support::{eventually, ConfigDir, Running};

/// A TCP listener that counts the connections it accepts.
async fn counting() -> (u16, Arc<AtomicUsize>) {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    let n = Arc::new(AtomicUsize::new(0));
    let counter = n.clone();
    tokio::spawn(async move {
        while let Ok((s, _)) = l.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            drop(s);
        }
    });
    (port, n)
}

fn agency(id: &str, name: &str, lifecycle: &str, port: u16) -> String {
    format!(
        "agency: {{id: {id}, code: \"24\", name: \"{name}\", kind: province{lifecycle}}}\nsystems:\n\
         \x20 - id: mot-cua\n    name: Một cửa\n    kind: tthc\n    checks:\n\
         \x20     - {{id: tcp, interval: 1s, timeout: 500ms, tcp: {{host: 127.0.0.1, port: {port}}}}}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agency_past_valid_to_is_not_probed_and_keeps_its_stored_name() {
    let (live_port, live_hits) = counting().await;
    let (gone_port, gone_hits) = counting().await;
    let dir = ConfigDir::new("");
    dir.agency("bac-ninh", &agency("bac-ninh", "Bắc Ninh", "", live_port));
    let merged = ", valid_to: 2025-07-01, successor: bac-ninh";
    dir.agency(
        "bac-giang",
        &agency("bac-giang", "Bắc Giang", merged, gone_port),
    );
    let d = Running::start(&dir).await;
    eventually(Duration::from_secs(10), "the successor is probed", || {
        let n = live_hits.load(Ordering::SeqCst);
        async move { (n >= 3).then_some(()) }
    })
    .await;
    assert_eq!(
        gone_hits.load(Ordering::SeqCst),
        0,
        "past valid_to: not probed"
    );
    let status = d.json("/api/v1/status").await;
    let ids: Vec<&str> = status["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["bac-ninh"], "not shown live nor ranked");
    let snapshot = d.json("/api/v1/reports/compliance").await;
    assert_eq!(
        snapshot["agencies"].as_array().unwrap().len(),
        1,
        "not required"
    );
    let metrics = d.fetch("/metrics").await.body;
    assert!(!metrics.contains("agency=\"bac-giang\""), "no series");
    d.stop().await;

    let location = emcd::store::location(&dir.config().storage).unwrap();
    let store = Store::open_read_only_at(&location).await.unwrap();
    let stored = store.agencies().await.unwrap();
    let bg = stored.iter().find(|a| a.agency.id == "bac-giang").unwrap();
    assert_eq!(bg.agency.name, "Bắc Giang");
    assert_eq!(bg.agency.successor.as_deref(), Some("bac-ninh"));
    // 2025-07-01 00:00 in Asia/Ho_Chi_Minh (UTC+7).
    assert_eq!(bg.agency.valid_to, Some(1_751_302_800));
    assert!(bg.left_at.is_some() && !bg.agency.live);
    drop(store);

    // Its file removed: the daemon starts without it; the store keeps its name.
    std::fs::remove_file(dir.dir.path().join("agencies/bac-giang.yaml")).unwrap();
    let d = Running::start(&dir).await;
    d.stop().await;
    let store = Store::open_read_only_at(&location).await.unwrap();
    let stored = store.agencies().await.unwrap();
    assert_eq!(stored.len(), 2, "nothing deleted");
    let bg2 = stored.iter().find(|a| a.agency.id == "bac-giang").unwrap();
    assert_eq!(
        (bg2.agency.name.as_str(), bg2.left_at),
        ("Bắc Giang", bg.left_at)
    );
    assert_eq!(gone_hits.load(Ordering::SeqCst), 0);
}

/// The daemon runs `live_at(now)`: an agency leaves at its `valid_to` (local midnight in
/// `sla.timezone`), which the reload task's tick notices by `retires_by`.
#[test]
fn an_agency_retires_at_local_midnight_of_valid_to() {
    let dir = ConfigDir::new("sla: {timezone: Asia/Ho_Chi_Minh}\n");
    dir.agency("bac-ninh", &agency("bac-ninh", "Bắc Ninh", "", 9));
    let lifecycle = ", valid_from: 2099-01-01, valid_to: 2100-01-01, successor: bac-ninh";
    dir.agency("future", &agency("future", "Tương lai", lifecycle, 9));
    let config = dir.config();
    let f = config.agencies.iter().find(|a| a.id == "future").unwrap();
    let end = f.lifecycle.valid_to.unwrap().at;
    assert_eq!(end, 4_102_419_600, "2100-01-01 00:00 +07:00");
    assert_eq!(f.lifecycle.valid_from.unwrap().text(), "2099-01-01");
    assert!(!config.retires_by(end - 1) && config.retires_by(end));
    let before = config.clone().live_at(end - 1);
    assert_eq!((before.agencies.len(), before.retired.len()), (2, 0));
    let after = config.live_at(end);
    assert_eq!((after.agencies.len(), after.retired.len()), (1, 1));
    assert_eq!(after.retired[0].id, "future");
    assert_eq!(after.all_agencies().count(), 2);
}
