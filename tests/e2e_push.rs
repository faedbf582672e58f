//! End to end: push heartbeats against the real binary (docs/configuration.md, docs/api.md).

mod support;

use support::{request, sample, samples, wait_metrics, Daemon};

const CHECK: &str = "/api/v1/push/tinh-a/mot-cua/heartbeat";

fn config(dir: &std::path::Path, digest: &str) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        "storage: {path: emcd.db}\ninclude: [agencies/*.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("agencies/tinh-a.yaml"),
        format!(
            "agency: {{id: tinh-a, code: \"01\", name: Tỉnh A, kind: province}}\n\
             systems:\n  - id: mot-cua\n    name: Một cửa\n    kind: tthc\n    checks:\n\
             \x20     - id: heartbeat\n        interval: 1s\n        timeout: 500ms\n        failure_threshold: 1\n        success_threshold: 1\n\
             \x20       push: {{token: \"{digest}\", max_silence: 2s}}\n"
        ),
    )
    .unwrap();
    dir.join("emcd.yaml")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn push_accepts_good_tokens_only_and_silence_makes_the_check_down() {
    let dir = tempfile::tempdir().unwrap();
    let (token, digest) = emcd::token::generate();
    let d = Daemon::start(dir.path(), &config(dir.path(), &digest));
    d.wait_ready().await;
    let auth = format!("Bearer {token}");

    // Wrong token: 401, nothing stored.
    let (status, body) = request(
        &d.addr,
        "POST",
        CHECK,
        &[("authorization", "Bearer emcd_wrong")],
        b"",
    )
    .await
    .unwrap();
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("\"unauthorized\""));
    // No token at all: 401 too.
    assert_eq!(
        request(&d.addr, "POST", CHECK, &[], b"").await.unwrap().0,
        401
    );
    // Unknown check: 404.
    let (status, _) = request(
        &d.addr,
        "POST",
        "/api/v1/push/tinh-a/mot-cua/nope",
        &[("authorization", &auth)],
        b"",
    )
    .await
    .unwrap();
    assert_eq!(status, 404);
    // Body over 64 KiB: 413.
    let big = vec![b' '; 65 * 1024];
    assert_eq!(
        request(&d.addr, "POST", CHECK, &[("authorization", &auth)], &big)
            .await
            .unwrap()
            .0,
        413
    );
    // Malformed body: 400 naming the expected shape.
    let (status, body) = request(
        &d.addr,
        "POST",
        CHECK,
        &[("authorization", &auth)],
        b"{\"status\": \"sideways\"}",
    )
    .await
    .unwrap();
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("status"), "{body}");
    let page = support::get(&d.addr, "/metrics").await.unwrap().1;
    let s = samples(&page);
    assert_eq!(
        sample(
            &s,
            "emcd_probes_total",
            &["check=\"heartbeat\"", "result=\"up\""]
        ),
        Some(0.0),
        "nothing stored for rejected pushes"
    );
    assert_eq!(
        sample(&s, "emcd_push_requests_total", &["result=\"unauthorized\""]),
        Some(2.0)
    );
    assert_eq!(
        sample(
            &s,
            "emcd_push_requests_total",
            &["result=\"unknown_check\""]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&s, "emcd_push_requests_total", &["result=\"bad_request\""]),
        Some(2.0)
    );

    // Good token: 202 and the check is up and its system connected.
    let body = br#"{"status": "up", "duration_seconds": 0.25, "message": "ok"}"#;
    let (status, _) = request(&d.addr, "POST", CHECK, &[("authorization", &auth)], body)
        .await
        .unwrap();
    assert_eq!(status, 202);
    let s = samples(&support::get(&d.addr, "/metrics").await.unwrap().1);
    assert_eq!(
        sample(&s, "probe_success", &["check=\"heartbeat\""]),
        Some(1.0)
    );
    assert_eq!(
        sample(&s, "emcd_system_connected", &["system=\"mot-cua\""]),
        Some(1.0)
    );
    assert_eq!(
        sample(&s, "emcd_agency_connection_ratio", &["agency=\"tinh-a\""]),
        Some(1.0)
    );
    assert_eq!(
        sample(&s, "emcd_push_requests_total", &["result=\"accepted\""]),
        Some(1.0)
    );

    // Silence longer than max_silence (2 s): the check goes down (timeout).
    wait_metrics(&d, "push check down after silence", |s| {
        sample(s, "emcd_check_up", &["check=\"heartbeat\""]) == Some(0.0)
    })
    .await;
    // A push brings it back up.
    assert_eq!(
        request(&d.addr, "POST", CHECK, &[("authorization", &auth)], b"")
            .await
            .unwrap()
            .0,
        202
    );
    let s = samples(&support::get(&d.addr, "/metrics").await.unwrap().1);
    assert_eq!(
        sample(&s, "emcd_check_up", &["check=\"heartbeat\""]),
        Some(1.0)
    );
    assert!(!d.log().contains(&token), "the token never appears in logs");
}
