//! End to end: a receiver's extreme `Retry-After` values against the real binary and
//! loopback receivers (docs/limits.md, "Alert delivery"). A delay that overflows must not
//! turn into a busy loop, and a date far in the future must neither kill the
//! notification nor hold it longer than the backoff's 5 min ceiling.

mod support;

use std::path::Path;
use std::time::Duration;

use support::{get, start_target, Daemon, Hook};

/// `u64::MAX` seconds: the value that used to overflow to an immediate retry.
const HUGE: &str = "18446744073709551615";
const FAR_FUTURE: &str = "Fri, 31 Dec 9999 23:59:59 GMT";

fn write_config(dir: &Path, huge: &Hook, future: &Hook, fail_url: &str) {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        format!(
            "storage: {{path: emcd.db}}\nalerting:\n  receivers:\n\
             \x20   - {{name: huge, webhook: {{url: \"http://{}/\"}}}}\n\
             \x20   - {{name: future, webhook: {{url: \"http://{}/\"}}}}\n\
             \x20 routes:\n\
             \x20   - {{receiver: huge, match: {{check: [a], severity: [critical]}}}}\n\
             \x20   - {{receiver: future, match: {{check: [b], severity: [critical]}}}}\n\
             include: [agencies/*.yaml]\n",
            huge.addr, future.addr
        ),
    )
    .unwrap();
    let mut yaml = String::from(
        "agency: {id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}\n\
         systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n",
    );
    for id in ["a", "b"] {
        yaml.push_str(&format!(
            "      - id: {id}\n        interval: 1s\n        timeout: 500ms\n        failure_threshold: 1\n        success_threshold: 1\n        http: {{url: \"{fail_url}\"}}\n"
        ));
    }
    std::fs::write(dir.join("agencies/bo-tu-phap.yaml"), yaml).unwrap();
}

/// The outbox rows of one receiver, through the API.
async fn notifications(d: &Daemon, receiver: &str) -> Vec<serde_json::Value> {
    let (status, body) = get(&d.addr, "/api/v1/notifications").await.unwrap();
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["receiver"] == receiver)
        .cloned()
        .collect()
}

fn unix(rfc3339: &serde_json::Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339.as_str().unwrap())
        .unwrap()
        .timestamp()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extreme_retry_after_values_are_clamped_to_the_backoff_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    // Far more 503s than a clamped sender can use in the test's few seconds.
    let huge = Hook::start(vec![(503, Some(HUGE)); 500]).await;
    let future = Hook::start(vec![(503, Some(FAR_FUTURE))]).await;
    write_config(
        dir.path(),
        &huge,
        &future,
        &format!("http://{}/fail", target.addr),
    );
    let d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;

    huge.wait_for(1, Duration::from_secs(20)).await;
    future.wait_for(1, Duration::from_secs(20)).await;
    // Watch both receivers for a few seconds: a Retry-After of u64::MAX seconds is 5 min
    // at most, so no second request comes in that time (it once came back at once, a
    // few thousand times a second).
    tokio::time::sleep(Duration::from_secs(4)).await;
    let got = huge.requests().len();
    assert_eq!(got, 1, "requests to the receiver answering {HUGE}");
    assert_eq!(
        future.requests().len(),
        1,
        "requests to the receiver answering {FAR_FUTURE}"
    );

    for (receiver, answered) in [("huge", HUGE), ("future", FAR_FUTURE)] {
        let rows = notifications(&d, receiver).await;
        assert_eq!(rows.len(), 1, "{receiver}: {rows:#?}");
        let n = &rows[0];
        // Still pending (a far-future date once killed it: "gave up after 24 h"), and
        // tried again within the backoff's 5 min ceiling of the attempt.
        assert_eq!(
            n["state"], "pending",
            "{receiver} after Retry-After {answered}: {n:#}"
        );
        assert_eq!(n["attempts"], 1, "{n:#}");
        let wait = unix(&n["next_attempt_at"]) - unix(&n["created_at"]);
        assert!(
            (290..=310).contains(&wait),
            "{receiver}: next attempt {wait} s after creation, expected 5 min: {n:#}"
        );
        assert!(n["last_error"].as_str().unwrap().contains("503"), "{n:#}");
    }
    let log = d.log();
    let retries = log.matches("will retry").count();
    assert!(retries <= 2, "{retries} retry lines in the log");
}
