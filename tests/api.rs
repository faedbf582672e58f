//! The JSON API (docs/api.md) of the whole daemon, started in-process on loopback: status,
//! agencies, a check's config and state, the errors (404 naming what is missing, 405
//! with `Allow`), and no secret of the config in any answer.

mod support;

use serde_json::{json, Value};
use support::fixture::{self, HB};
use support::Running;

/// Waits until the probed checks have settled: `good` up with a stored result, `bad`
/// down, `port` up.
async fn settled(d: &Running) {
    let base = "/api/v1/checks/bo-tu-phap/ho-tich";
    d.wait_json(&format!("{base}/bad"), "bad went down", |v| {
        v["state"]["status"] == "down"
    })
    .await;
    d.wait_json(
        &format!("{base}/good/results"),
        "good stored a result",
        |v| v["count"].as_u64() > Some(0),
    )
    .await;
    d.wait_json(
        "/api/v1/checks/ha-noi/cong-dvc/port",
        "port measured",
        |v| v["last_result"]["result"] == "up",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_has_totals_and_one_row_per_agency() {
    let f = fixture::start().await;
    settled(&f.daemon).await;
    // bad is DOWN, so CheckDown fires; the status counts what /api/v1/alerts lists.
    let alerts = f
        .daemon
        .wait_json("/api/v1/alerts?state=firing", "CheckDown fired", |v| {
            v["alerts"].as_array().is_some_and(|a| !a.is_empty())
        })
        .await;
    let v = f.daemon.json("/api/v1/status").await;
    support::unix(&v["generated_at"]);
    let firing = alerts["alerts"].as_array().unwrap().len();
    assert_eq!(
        v["totals"],
        json!({
            "agencies": 2,
            // good, port and the never-measured push check are UP; bad is DOWN.
            "checks": {"total": 4, "up": 3, "degraded": 0, "down": 1},
            // ho-tich and cong-dvc connected; heartbeat has no recent result; mot-cua no check.
            "systems": {"total": 4, "connected": 2, "disconnected": 1, "unregistered": 1},
            "alerts": {"firing": firing},
        })
    );
    assert_eq!(
        v["agencies"],
        json!([
            {"id": "bo-tu-phap", "code": "BTP", "name": "Bộ Tư pháp", "kind": "ministry",
             "league": "ministries", "rank": 1,
             "required": 3, "connected": 1, "disconnected": 1, "unregistered": 1,
             "ratio": 1.0 / 3.0, "mandate": "partial", "checks": 3, "checks_down": 1},
            {"id": "ha-noi", "code": "01", "name": "Hà Nội", "kind": "city",
             "league": "provinces", "rank": 1,
             "required": 1, "connected": 1, "disconnected": 0, "unregistered": 0,
             "ratio": 1.0, "mandate": "met", "checks": 1, "checks_down": 0},
        ])
    );
    f.daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agencies_show_systems_checks_and_states() {
    let f = fixture::start().await;
    settled(&f.daemon).await;
    let all = f.daemon.json("/api/v1/agencies").await;
    let list = all["agencies"].as_array().unwrap();
    assert_eq!(list.len(), 2);
    let one = f.daemon.json("/api/v1/agencies/bo-tu-phap").await;
    assert_eq!(
        list[0]["systems"], one["systems"],
        "the list and the agency agree"
    );
    assert_eq!(one["id"], "bo-tu-phap");
    assert_eq!(one["kind"], "ministry");
    assert_eq!(
        one["connection"],
        json!({"required": 3, "connected": 1, "disconnected": 1, "unregistered": 1,
               "ratio": 1.0 / 3.0, "mandate": "partial"})
    );
    let systems: Vec<(&str, &str, &str, bool, usize)> = one["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["id"].as_str().unwrap(),
                s["kind"].as_str().unwrap(),
                s["connection"].as_str().unwrap(),
                s["required"].as_bool().unwrap(),
                s["checks"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        systems,
        [
            ("ho-tich", "tthc", "connected", true, 2),
            ("heartbeat", "other", "disconnected", true, 1),
            ("mot-cua", "tthc", "unregistered", true, 0),
        ]
    );
    let checks = &one["systems"][0]["checks"];
    assert_eq!(checks[0]["id"], "good");
    assert_eq!(checks[0]["full_id"], "bo-tu-phap/ho-tich/good");
    assert_eq!(checks[0]["kind"], "http");
    assert_eq!(checks[0]["state"], "up");
    assert_eq!(checks[0]["last_result"]["result"], "up");
    assert_eq!(checks[0]["last_result"]["status_code"], 200);
    assert_eq!(checks[1]["state"], "down");
    assert_eq!(checks[1]["last_result"]["error_kind"], "status");
    assert_eq!(checks[1]["last_result"]["status_code"], 503);
    let hb = &one["systems"][1]["checks"][0];
    assert_eq!(
        (hb["kind"].as_str(), &hb["last_result"]),
        (Some("push"), &Value::Null)
    );
    let hanoi = f.daemon.json("/api/v1/agencies/ha-noi").await;
    assert_eq!(hanoi["systems"][0]["checks"][0]["kind"], "tcp");
    assert_eq!(hanoi["connection"]["ratio"], 1.0);
    f.daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_shows_config_state_last_result_and_no_secret() {
    let f = fixture::start().await;
    settled(&f.daemon).await;
    let v = f
        .daemon
        .json("/api/v1/checks/bo-tu-phap/ho-tich/good")
        .await;
    assert_eq!(v["id"], "bo-tu-phap/ho-tich/good");
    assert_eq!(
        v["agency"],
        json!({"id": "bo-tu-phap", "name": "Bộ Tư pháp"})
    );
    assert_eq!(v["system"]["name"], "Hệ thống đăng ký hộ tịch");
    let http = &v["config"]["http"];
    assert_eq!(http["url"], format!("http://probe:***@{}/ok", f.target));
    assert_eq!(http["method"], "POST");
    assert_eq!(http["header_names"], json!(["authorization", "x-api-key"]));
    assert_eq!(http["has_body"], true);
    assert_eq!(http["expect"]["status"], json!(["200"]));
    assert_eq!(http["expect"]["body_contains"], "good");
    assert_eq!(v["config"]["interval_seconds"], 1.0);
    assert_eq!(v["config"]["failure_threshold"], 2);
    assert_eq!(
        (&v["config"]["tcp"], &v["config"]["push"]),
        (&Value::Null, &Value::Null)
    );
    assert_eq!(v["state"]["status"], "up");
    assert_eq!(v["state"]["down_streak"], 0);
    assert!(v["state"]["ok_streak"].as_u64() >= Some(1));
    let last = &v["last_result"];
    assert_eq!(
        (last["result"].as_str(), last["status_code"].as_u64()),
        (Some("up"), Some(200))
    );
    for phase in ["resolve", "connect", "tls", "processing", "transfer"] {
        assert!(last["phases"][phase].as_f64().unwrap() >= 0.0, "{phase}");
    }
    assert_eq!(last["cert_expiry"], Value::Null);
    assert!(v["counters"]["up"].as_u64() >= Some(1));
    assert_eq!(v["counters"]["down"], 0);
    let one_hour = &v["availability"]["windows"]["1h"];
    assert_eq!(one_hour["ratio"], 1.0, "{one_hour}");
    assert_eq!(one_hour["down_seconds"], 0);
    assert_eq!(v["availability"]["policy"], "emcd-sla-v1");

    // The push check shows max_silence only; the tcp check its target.
    let hb = f.daemon.json(&format!("/api/v1/checks/{HB}")).await;
    assert_eq!(hb["config"]["push"], json!({"max_silence_seconds": 3600.0}));
    let port = f.daemon.json("/api/v1/checks/ha-noi/cong-dvc/port").await;
    assert_eq!(port["config"]["tcp"]["port"], f.target.port());
    f.daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_answer_or_page_contains_a_secret() {
    let f = fixture::start().await;
    settled(&f.daemon).await;
    let mut paths = vec![
        "/api/v1/status".to_owned(),
        "/api/v1/agencies".to_owned(),
        "/api/v1/agencies/bo-tu-phap".to_owned(),
        "/api/v1/openapi.json".to_owned(),
        "/".to_owned(),
        "/agencies/bo-tu-phap".to_owned(),
        "/api/v1/indicators/bo-tu-phap".to_owned(),
    ];
    for check in ["bo-tu-phap/ho-tich/good", "bo-tu-phap/ho-tich/bad", HB] {
        paths.push(format!("/api/v1/checks/{check}"));
        paths.push(format!("/api/v1/checks/{check}/results?limit=10000"));
    }
    for path in &paths {
        let r = f.daemon.fetch(path).await;
        assert_eq!(r.status, 200, "{path}");
        for secret in fixture::secrets() {
            assert!(
                !r.body.contains(&secret),
                "{path} shows {secret}:\n{}",
                r.body
            );
        }
    }
    f.daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_ids_and_routes_are_404_naming_what_is_missing() {
    let f = fixture::start().await;
    let cases = [
        (
            "/api/v1/agencies/bo-khong-co",
            "unknown_agency",
            "bo-khong-co",
        ),
        (
            "/api/v1/checks/bo-khong-co/ho-tich/good",
            "unknown_agency",
            "bo-khong-co",
        ),
        (
            "/api/v1/checks/bo-tu-phap/khong-co/good",
            "unknown_system",
            "khong-co",
        ),
        (
            "/api/v1/checks/bo-tu-phap/ho-tich/khong-co",
            "unknown_check",
            "khong-co",
        ),
        (
            "/api/v1/checks/bo-tu-phap/ho-tich/khong-co/results",
            "unknown_check",
            "khong-co",
        ),
        (
            "/api/v1/checks/bo-tu-phap/ho-tich",
            "not_found",
            "/api/v1/checks/bo-tu-phap/ho-tich",
        ),
        ("/api/v1/agencies/", "not_found", "/api/v1/agencies/"),
        ("/api/v1/nothing", "not_found", "/api/v1/nothing"),
        ("/api/v2/status", "not_found", "/api/v2/status"),
        (
            "/api/v1/checks/bo-tu-phap/ho-tich/good/other",
            "not_found",
            "other",
        ),
    ];
    for (path, code, named) in cases {
        let r = f.daemon.fetch(path).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(r.header("content-type"), Some("application/json"), "{path}");
        let e = r.json();
        assert_eq!(e["error"]["code"], code, "{path}: {e}");
        assert!(
            e["error"]["message"].as_str().unwrap().contains(named),
            "{path}: {e}"
        );
    }
    f.daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_method_is_405_with_allow() {
    let f = fixture::start().await;
    for (method, path) in [
        ("POST", "/api/v1/status"),
        ("DELETE", "/api/v1/agencies/bo-tu-phap"),
        ("PUT", "/api/v1/checks/bo-tu-phap/ho-tich/good/results"),
        ("POST", "/"),
        ("DELETE", "/agencies/bo-tu-phap"),
    ] {
        let r = f.daemon.send(method, path, &[], b"{}").await.unwrap();
        assert_eq!(r.status, 405, "{method} {path}");
        assert_eq!(r.header("allow"), Some("GET, HEAD"), "{method} {path}");
    }
    let r = f
        .daemon
        .send("POST", "/api/v1/status", &[], b"")
        .await
        .unwrap();
    assert_eq!(r.json()["error"]["code"], "method_not_allowed");
    // HEAD answers like GET, without a body.
    let r = f
        .daemon
        .send("HEAD", "/api/v1/status", &[], b"")
        .await
        .unwrap();
    assert_eq!((r.status, r.body.as_str()), (200, ""));
    f.daemon.stop().await;
}
