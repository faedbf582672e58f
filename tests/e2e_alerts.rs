//! End to end: alerting with durable delivery (docs/alerts.md) against the real binary and
//! loopback webhook receivers: one notification per transition, signed; retries with
//! a stable delivery id; Retry-After; dead on 400; survival of SIGKILL; maintenance.

mod support;

use std::time::Duration;

use support::{
    alerting_agency as agency, get, sample, samples, start_target, wait_metrics, Daemon, Hook,
};

const SECRET: &str = "webhook-secret-for-tests";

fn verify_signature(r: &support::Received) {
    let ts = &r.headers["x-emcd-timestamp"];
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, SECRET.as_bytes());
    let want = ring::hmac::sign(&key, format!("{ts}.{}", r.body).as_bytes());
    let hex: String = want.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        r.headers["x-emcd-signature"],
        format!("sha256={hex}"),
        "signature of {}",
        r.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_firing_and_one_resolved_notification_per_incident_signed() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let hook = Hook::start(vec![]).await;
    std::fs::write(
        dir.path().join("emcd.yaml"),
        format!(
            "storage: {{path: emcd.db}}\nalerting:\n  repeat_interval: 0s\n  receivers:\n\
             \x20   - name: ops\n      webhook: {{url: \"http://{}/hook\", secret: \"${{EMCD_WEBHOOK_SECRET}}\", headers: {{X-Team: noc}}}}\n\
             \x20 routes:\n    - {{receiver: ops, match: {{severity: [critical]}}}}\ninclude: [agencies/*.yaml]\n",
            hook.addr
        ),
    )
    .unwrap();
    agency(
        dir.path(),
        &[("portal", format!("http://{}/dyn", target.addr))],
        (3, 2),
    );
    let d = Daemon::start_with_env(
        dir.path(),
        &dir.path().join("emcd.yaml"),
        &[("EMCD_WEBHOOK_SECRET", SECRET)],
    );
    d.wait_ready().await;
    let downs = |s: &std::collections::HashMap<String, f64>| {
        sample(
            s,
            "emcd_probes_total",
            &["check=\"portal\"", "result=\"down\""],
        )
        .unwrap_or(0.0)
    };

    // Flapping inside the threshold: two failures, then success. No notification.
    wait_metrics(&d, "first up", |s| {
        sample(s, "probe_success", &["check=\"portal\""]) == Some(1.0)
    })
    .await;
    target
        .dyn_status
        .store(503, std::sync::atomic::Ordering::SeqCst);
    wait_metrics(&d, "two failures", |s| downs(s) >= 2.0).await;
    target
        .dyn_status
        .store(200, std::sync::atomic::Ordering::SeqCst);
    wait_metrics(&d, "back up", |s| {
        sample(s, "probe_success", &["check=\"portal\""]) == Some(1.0)
    })
    .await;
    assert!(
        hook.requests().is_empty(),
        "flapping inside thresholds notifies nothing"
    );

    // A real incident: exactly one firing notification, however long it lasts.
    target
        .dyn_status
        .store(503, std::sync::atomic::Ordering::SeqCst);
    let got = hook.wait_for(1, Duration::from_secs(15)).await;
    let page = wait_metrics(&d, "more failures after firing", |s| downs(s) >= 8.0).await;
    assert_eq!(hook.requests().len(), 1, "one firing notification");
    let s = samples(&page);
    assert_eq!(
        sample(
            &s,
            "emcd_alerts_firing",
            &["alertname=\"CheckDown\"", "agency=\"bo-tu-phap\""]
        ),
        Some(1.0)
    );
    let firing = &got[0];
    let v = firing.json();
    assert_eq!(v["version"], "1");
    assert_eq!(v["status"], "firing");
    assert_eq!(v["alert"]["name"], "CheckDown");
    assert_eq!(v["alert"]["severity"], "critical");
    assert_eq!(v["alert"]["agency"]["name"], "Bộ Tư pháp");
    assert_eq!(v["alert"]["labels"]["check"], "portal");
    assert_eq!(v["alert"]["last_result"]["error_kind"], "status");
    assert_eq!(v["alert"]["last_result"]["status_code"], 503);
    assert_eq!(v["alert"]["ends_at"], serde_json::Value::Null);
    assert_eq!(
        firing.headers["x-emcd-delivery"],
        v["delivery_id"].as_str().unwrap()
    );
    assert_eq!(firing.headers["x-team"], "noc");
    assert_eq!(firing.headers["content-type"], "application/json");
    assert!(firing.headers["user-agent"].starts_with("emcd/"));
    verify_signature(firing);

    // Recovery: exactly one resolved notification.
    target
        .dyn_status
        .store(200, std::sync::atomic::Ordering::SeqCst);
    let got = hook.wait_for(2, Duration::from_secs(15)).await;
    wait_metrics(&d, "a few more successes", |s| {
        sample(
            s,
            "emcd_probes_total",
            &["check=\"portal\"", "result=\"up\""],
        )
        .unwrap_or(0.0)
            >= 8.0
    })
    .await;
    assert_eq!(hook.requests().len(), 2);
    let r = got[1].json();
    assert_eq!(r["status"], "resolved");
    assert_eq!(r["alert"]["fingerprint"], v["alert"]["fingerprint"]);
    assert_ne!(r["delivery_id"], v["delivery_id"]);
    assert!(r["alert"]["ends_at"].is_string());
    verify_signature(&got[1]);
    assert!(
        !d.log().contains(SECRET),
        "the secret never appears in logs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_keep_the_delivery_id_honour_retry_after_and_give_up_on_400() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let flaky = Hook::start(vec![(500, None), (500, None), (500, None)]).await;
    let busy = Hook::start(vec![(429, Some("2"))]).await;
    let broken = Hook::start(vec![(400, None)]).await;
    std::fs::write(
        dir.path().join("emcd.yaml"),
        format!(
            "storage: {{path: emcd.db}}\nalerting:\n  receivers:\n\
             \x20   - {{name: flaky, webhook: {{url: \"http://{}/\"}}}}\n\
             \x20   - {{name: busy, webhook: {{url: \"http://{}/\"}}}}\n\
             \x20   - {{name: broken, webhook: {{url: \"http://{}/\"}}}}\n\
             \x20 routes:\n\
             \x20   - {{receiver: flaky, match: {{check: [a], severity: [critical]}}}}\n\
             \x20   - {{receiver: busy, match: {{check: [b], severity: [critical]}}}}\n\
             \x20   - {{receiver: broken, match: {{check: [c], severity: [critical]}}}}\n\
             include: [agencies/*.yaml]\n",
            flaky.addr, busy.addr, broken.addr
        ),
    )
    .unwrap();
    let fail = format!("http://{}/fail", target.addr);
    agency(
        dir.path(),
        &[("a", fail.clone()), ("b", fail.clone()), ("c", fail)],
        (1, 1),
    );
    let d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;

    // 500 three times, then 200: the fourth try delivers, same delivery id throughout.
    let tries = flaky.wait_for(4, Duration::from_secs(30)).await;
    let ids: Vec<&str> = tries
        .iter()
        .map(|r| r.headers["x-emcd-delivery"].as_str())
        .collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    let bodies: Vec<serde_json::Value> = tries.iter().map(|r| r.json()).collect();
    assert!(bodies.iter().all(|b| b["delivery_id"] == ids[0]));
    // Backoff roughly doubles from 1 s (±20% jitter).
    let gaps: Vec<Duration> = tries.windows(2).map(|w| w[1].at - w[0].at).collect();
    for (gap, base) in gaps.iter().zip([1.0, 2.0, 4.0]) {
        assert!(
            gap.as_secs_f64() >= base * 0.75,
            "gap {gap:?} for backoff {base} s"
        );
    }

    // 429 with Retry-After: 2: retried no sooner than 2 s.
    let tries = busy.wait_for(2, Duration::from_secs(15)).await;
    assert!(
        tries[1].at - tries[0].at >= Duration::from_millis(1900),
        "{:?}",
        tries[1].at - tries[0].at
    );
    assert_eq!(
        tries[0].headers["x-emcd-delivery"],
        tries[1].headers["x-emcd-delivery"]
    );

    // 400: dead at once, never retried, and visible in the outbox and the metrics.
    broken.wait_for(1, Duration::from_secs(10)).await;
    let s = samples(
        &wait_metrics(&d, "dead notification counted", |s| {
            sample(
                s,
                "emcd_notifications_total",
                &["receiver=\"broken\"", "result=\"dead\""],
            ) == Some(1.0)
        })
        .await,
    );
    assert_eq!(
        sample(
            &s,
            "emcd_notifications_total",
            &["receiver=\"flaky\"", "result=\"retried\""]
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(
            &s,
            "emcd_notifications_total",
            &["receiver=\"flaky\"", "result=\"delivered\""]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&s, "emcd_notification_queue_depth", &["receiver=\"flaky\""]),
        Some(0.0)
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(broken.requests().len(), 1, "a 400 is not retried");
    let (store, _conn) = emcd::store::Store::open(&dir.path().join("emcd.db"))
        .await
        .unwrap();
    let dead = store.notifications(Some("dead"), 10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].receiver, "broken");
    assert!(dead[0].last_error.as_deref().unwrap().contains("400"));
    let (status, body) = get(&d.addr, "/api/v1/notifications?state=dead")
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(&dead[0].delivery_id), "{body}");
}
