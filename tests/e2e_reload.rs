//! End to end: config reload (docs/configuration.md) against the real binary: applied as a
//! difference, rejected whole when invalid, by HTTP and by SIGHUP.

mod support;

use std::path::Path;

use support::{get, request, sample, samples, start_target, wait_metrics, Daemon};

const TOKEN: &str = "admin-secret-for-tests";

fn write_agency(dir: &Path, target: std::net::SocketAddr, checks: &[(&str, &str)]) {
    let mut yaml = String::from(
        "agency: {id: bo-y-te, code: BYT, name: Bộ Y tế, kind: ministry}\n\
         systems:\n  - id: cong\n    name: Cổng dịch vụ công\n    kind: portal\n    checks:\n",
    );
    for (id, path) in checks {
        yaml.push_str(&format!(
            "      - id: {id}\n        interval: 1s\n        timeout: 500ms\n        failure_threshold: 5\n        success_threshold: 1\n        http: {{url: \"http://{target}{path}\"}}\n"
        ));
    }
    std::fs::write(dir.join("agencies/bo-y-te.yaml"), yaml).unwrap();
}

fn down_count(s: &std::collections::HashMap<String, f64>, check: &str) -> f64 {
    sample(
        s,
        "emcd_probes_total",
        &[&format!("check=\"{check}\""), "result=\"down\""],
    )
    .unwrap_or(-1.0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_applies_a_difference_and_rejects_a_broken_config() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    std::fs::write(
        dir.path().join("emcd.yaml"),
        "server: {admin_token: \"${EMCD_ADMIN_TOKEN}\"}\nstorage: {path: emcd.db}\ninclude: [agencies/*.yaml]\n",
    )
    .unwrap();
    write_agency(
        dir.path(),
        target.addr,
        &[("flaky", "/fail"), ("other", "/ok"), ("old", "/ok")],
    );
    let d = Daemon::start_with_env(
        dir.path(),
        &dir.path().join("emcd.yaml"),
        &[("EMCD_ADMIN_TOKEN", TOKEN)],
    );
    d.wait_ready().await;
    let auth = format!("Bearer {TOKEN}");

    // Without the admin token: 401, nothing reloaded.
    assert_eq!(
        request(&d.addr, "POST", "/-/reload", &[], b"")
            .await
            .unwrap()
            .0,
        401
    );
    assert_eq!(
        request(
            &d.addr,
            "POST",
            "/-/reload",
            &[("authorization", "Bearer nope")],
            b""
        )
        .await
        .unwrap()
        .0,
        401
    );

    // Let `flaky` build a streak of 2 failures (threshold 5: still UP).
    let page = wait_metrics(&d, "two failures of flaky", |s| {
        down_count(s, "flaky") >= 2.0
    })
    .await;
    let before = down_count(&samples(&page), "flaky");
    assert!(before < 5.0);

    // Reload with `other` changed, `old` removed and `new` added.
    write_agency(
        dir.path(),
        target.addr,
        &[("flaky", "/fail"), ("other", "/missing"), ("new", "/ok")],
    );
    let (status, body) = request(
        &d.addr,
        "POST",
        "/-/reload",
        &[("authorization", &auth)],
        b"",
    )
    .await
    .unwrap();
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        v["checks"],
        serde_json::json!({"added": 1, "removed": 1, "changed": 1, "unchanged": 1})
    );

    let s = samples(&get(&d.addr, "/metrics").await.unwrap().1);
    assert!(
        down_count(&s, "flaky") >= before,
        "flaky's counters survived the reload"
    );
    assert_eq!(sample(&s, "emcd_check_up", &["check=\"flaky\""]), Some(1.0));
    assert!(
        sample(&s, "probe_success", &["check=\"old\""]).is_none(),
        "removed check's series are gone"
    );
    assert!(sample(&s, "emcd_probes_total", &["check=\"old\""]).is_none());
    assert_eq!(
        sample(&s, "emcd_config_last_reload_successful", &[]),
        Some(1.0)
    );

    // The streak survived: flaky goes DOWN at its 5th consecutive failure overall,
    // not 5 failures after the reload.
    let page = wait_metrics(&d, "flaky down", |s| {
        sample(s, "emcd_check_up", &["check=\"flaky\""]) == Some(0.0)
    })
    .await;
    assert_eq!(
        down_count(&samples(&page), "flaky"),
        5.0,
        "DOWN at the 5th consecutive failure"
    );
    // The new check runs.
    wait_metrics(&d, "new check probed", |s| {
        sample(s, "probe_success", &["check=\"new\""]) == Some(1.0)
    })
    .await;

    // A broken file: 400 with the errors, old checks keep running, metric reads 0.
    std::fs::write(
        dir.path().join("agencies/bo-y-te.yaml"),
        "agency: {id: Bad Id}\nsystems: []\n",
    )
    .unwrap();
    let (status, body) = request(
        &d.addr,
        "POST",
        "/-/reload",
        &[("authorization", &auth)],
        b"",
    )
    .await
    .unwrap();
    assert_eq!(status, 400, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["error"]["code"], "invalid_config");
    let details = v["error"]["details"].as_array().unwrap();
    assert!(
        details
            .iter()
            .any(|e| e.as_str().unwrap().contains("bo-y-te.yaml:1:")),
        "{details:?}"
    );
    let s = samples(&get(&d.addr, "/metrics").await.unwrap().1);
    assert_eq!(
        sample(&s, "emcd_config_last_reload_successful", &[]),
        Some(0.0)
    );
    let runs = down_count(&s, "flaky");
    wait_metrics(&d, "old checks keep running", |s| {
        down_count(s, "flaky") > runs
    })
    .await;

    // SIGHUP reloads too: fix the file, signal, and the metric reads 1 again.
    write_agency(dir.path(), target.addr, &[("flaky", "/fail")]);
    d.signal("HUP");
    wait_metrics(&d, "SIGHUP reload", |s| {
        sample(s, "emcd_config_last_reload_successful", &[]) == Some(1.0)
            && sample(s, "probe_success", &["check=\"new\""]).is_none()
    })
    .await;
    assert!(
        !d.log().contains(TOKEN),
        "the admin token never appears in logs"
    );
}
