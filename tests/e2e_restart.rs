//! A restart against the real binary (docs/results.md, "After a restart"; docs/alerts.md):
//! the live state comes back from the store before any new probe (each check's
//! `probe_success` and 1 h availability read the same just after `/readyz` as just
//! before the stop), and nothing is notified at start: a firing `CheckDown` stays
//! firing without a second notification, and no burn-rate alert fires or resolves
//! from a barely observed hour.

mod support;

use std::collections::HashMap;
use std::time::Duration;

use support::{get, sample, samples, start_target, wait_metrics, Daemon, Hook};

const CHECKS: usize = 8;

fn series(page: &str) -> HashMap<String, f64> {
    samples(page)
        .into_iter()
        .filter(|(k, _)| {
            k.starts_with("probe_success{")
                || k.starts_with("probe_ssl_earliest_cert_expiry{")
                || k.starts_with("emcd_check_availability_ratio{") && k.contains("window=\"1h\"")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_keeps_live_state_and_notifies_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let hook = Hook::start(vec![]).await;
    // A TLS endpoint whose certificate expiry must survive the restart too.
    let leaf = support::self_signed(&["localhost"], (2031, 1, 1));
    let tls = support::serve_tls(leaf.acceptor(), |_| support::reply(200, &[], "ok")).await;
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    let main = dir.path().join("emcd.yaml");
    std::fs::write(
        &main,
        format!(
            "storage: {{path: emcd.db}}\nalerting:\n  repeat_interval: 0s\n  receivers:\n\
             \x20   - {{name: ops, webhook: {{url: \"http://{}/hook\"}}}}\n\
             \x20 routes:\n    - {{receiver: ops}}\ninclude: [agencies/*.yaml]\n",
            hook.addr
        ),
    )
    .unwrap();
    let mut agency = String::from(
        "agency: {id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}\n\
         systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n",
    );
    for i in 0..CHECKS {
        agency.push_str(&format!(
            "      - id: c{i}\n        interval: 8s\n        timeout: 2s\n        http: {{url: \"http://{}/ok\"}}\n",
            target.addr
        ));
    }
    agency.push_str(&format!(
        "      - id: tls\n        interval: 8s\n        timeout: 2s\n\
         \x20       http: {{url: \"{}\", tls: {{insecure_skip_verify: true}}}}\n",
        tls.url("https", "/")
    ));
    agency.push_str(&format!(
        "      - id: down\n        interval: 1s\n        timeout: 500ms\n        failure_threshold: 2\n\
         \x20       http: {{url: \"http://{}/fail\"}}\n",
        target.addr
    ));
    std::fs::write(dir.path().join("agencies/bo-tu-phap.yaml"), agency).unwrap();

    let mut d = Daemon::start(dir.path(), &main);
    d.wait_ready().await;
    let fired = hook.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(
        fired[0].json()["alert"]["name"],
        "CheckDown",
        "{}",
        fired[0].body
    );
    // Every check probed, and measured long enough to have a 1 h availability.
    let page = wait_metrics(&d, "every check probed", |s| {
        (0..CHECKS)
            .map(|i| format!("c{i}"))
            .chain(["tls".into()])
            .all(|c| {
                let check = format!("check=\"{c}\"");
                sample(s, "probe_success", &[&check]) == Some(1.0)
                    && sample(
                        s,
                        "emcd_check_availability_ratio",
                        &[&check, "window=\"1h\""],
                    )
                    .is_some()
            })
    })
    .await;
    let before = series(&page);
    assert_eq!(before.len(), 2 * (CHECKS + 2) + 1, "{before:?}");
    assert!(
        before
            .keys()
            .any(|k| k.starts_with("probe_ssl_earliest_cert_expiry{")),
        "{before:?}"
    );
    assert!(d.terminate().success(), "{}", d.log());

    let mut d = Daemon::start(dir.path(), &main);
    d.wait_ready().await;
    let (_, page) = get(&d.addr, "/metrics").await.unwrap();
    let after = series(&page);
    assert_eq!(
        after.keys().collect::<std::collections::BTreeSet<_>>(),
        before.keys().collect(),
        "the same series right after /readyz"
    );
    for (k, v) in &before {
        if k.starts_with("probe_success") {
            assert_eq!(after[k], *v, "{k}");
        } else {
            assert!(
                (after[k] - v).abs() < 0.05,
                "{k}: {v} before, {} after",
                after[k]
            );
        }
    }
    // Nothing is notified at start: CheckDown still fires, nothing resolves or repeats.
    tokio::time::sleep(Duration::from_secs(8)).await;
    let bodies: Vec<String> = hook.requests().iter().map(|r| r.body.clone()).collect();
    assert_eq!(bodies.len(), 1, "no notification at restart: {bodies:#?}");
    let (_, alerts) = get(&d.addr, "/api/v1/alerts").await.unwrap();
    let alerts: serde_json::Value = serde_json::from_str(&alerts).unwrap();
    let names: Vec<&str> = alerts["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["labels"]["alertname"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["CheckDown"], "{alerts}");
    assert!(d.terminate().success());
}
