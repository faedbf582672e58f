//! Ad-hoc maintenance over the API (docs/api.md, "Maintenance"), end to end on the
//! in-process daemon: a window is refused without the admin token and with bad input
//! (400 naming the field, quoting the value); declared, it puts a failing check in
//! maintenance (its results stored as `maintenance`, the page says "Đang bảo trì" and
//! lists the window); ended early, it is gone and the check is down again; a window
//! declared before a restart holds after it.

mod support;

use support::{ConfigDir, Running};

const TOKEN: &str = "adm1n-s3cret";

fn agency(target: std::net::SocketAddr) -> String {
    format!(
        "agency: {{id: bo-tu-phap, code: \"000.00.01.G06\", name: Bộ Tư pháp, kind: ministry}}\n\
         systems:\n  - id: ho-tich\n    name: Hệ thống đăng ký hộ tịch\n    kind: tthc\n    checks:\n\
         \x20     - id: bad\n        http: {{url: \"http://{target}/fail\"}}\n"
    )
}

async fn post(d: &Running, auth: Option<&str>, body: &serde_json::Value) -> support::Response {
    let bearer = auth.map(|t| format!("Bearer {t}"));
    let mut headers = vec![("content-type", "application/json")];
    if let Some(b) = &bearer {
        headers.push(("authorization", b.as_str()));
    }
    d.send(
        "POST",
        "/api/v1/maintenance",
        &headers,
        body.to_string().as_bytes(),
    )
    .await
    .unwrap()
}

async fn delete(d: &Running, id: &str) -> support::Response {
    let bearer = format!("Bearer {TOKEN}");
    d.send(
        "DELETE",
        &format!("/api/v1/maintenance/{id}"),
        &[("authorization", &bearer)],
        b"",
    )
    .await
    .unwrap()
}

async fn last_result(d: &Running) -> serde_json::Value {
    d.json("/api/v1/checks/bo-tu-phap/ho-tich/bad").await["last_result"]["result"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn declare_see_end_early_and_survive_a_restart() {
    let dir = ConfigDir::new(&format!(
        "server: {{admin_token: \"{TOKEN}\"}}\ndefaults:\n  interval: 1s\n  timeout: 500ms\n  failure_threshold: 1\n"
    ));
    let target = support::fixture::target().await;
    dir.agency("bo-tu-phap", &agency(target.addr));
    let d = Running::start(&dir).await;
    d.wait_json(
        "/api/v1/checks/bo-tu-phap/ho-tich/bad",
        "bad is down",
        |v| v["state"]["status"] == "down",
    )
    .await;
    let now = support::now();
    let at = |secs: i64| emcd::util::rfc3339(now + secs);
    let good = serde_json::json!({
        "match": {"agency": ["bo-tu-phap"], "check": ["bad"]},
        "starts_at": at(-60),
        "ends_at": at(3600),
        "reason": "Nâng cấp máy chủ",
    });

    assert_eq!(post(&d, None, &good).await.status, 401);
    assert_eq!(post(&d, Some("wrong"), &good).await.status, 401);
    let mut cases = Vec::new();
    let mut bad_time = good.clone();
    bad_time["starts_at"] = "tomorrow".into();
    cases.push((bad_time, "starts_at: invalid time \\\"tomorrow\\\""));
    let mut unknown = good.clone();
    unknown["match"]["agency"] = serde_json::json!(["khong-co"]);
    cases.push((unknown, "match.agency: no agency \\\"khong-co\\\""));
    let mut reversed = good.clone();
    reversed["ends_at"] = at(-120).into();
    cases.push((reversed, "ends_at: \\\""));
    let mut empty = good.clone();
    empty["reason"] = " ".into();
    cases.push((empty, "reason: \\\" \\\" is empty"));
    let mut extra = good.clone();
    extra["why"] = "x".into();
    cases.push((extra, "unknown field `why`"));
    for (body, want) in cases {
        let r = post(&d, Some(TOKEN), &body).await;
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        assert!(r.body.contains(want), "{body}: {} lacks {want}", r.body);
    }

    let r = post(&d, Some(TOKEN), &good).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let declared = r.json();
    let id = declared["id"].as_str().unwrap().to_owned();
    assert_eq!(declared["active"], true);
    assert_eq!(declared["created_by"], "admin");
    let list = d.json("/api/v1/maintenance").await;
    assert_eq!(list["windows"].as_array().unwrap().len(), 1, "{list}");
    assert_eq!(list["windows"][0]["reason"], "Nâng cấp máy chủ");

    // The failing check is now in maintenance: results, page.
    support::eventually(
        std::time::Duration::from_secs(10),
        "bad in maintenance",
        || async { (last_result(&d).await == "maintenance").then_some(()) },
    )
    .await;
    let page = d.fetch("/agencies/bo-tu-phap").await.body;
    assert!(
        page.contains("<span class=\"badge maintenance\">Đang bảo trì</span>"),
        "{page}"
    );
    assert!(page.contains("Nâng cấp máy chủ"), "{page}");

    // Ended early: gone from the list, the check is down again.
    let r = delete(&d, &id).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["ended_by"], "admin");
    assert_eq!(delete(&d, &id).await.status, 404);
    let list = d.json("/api/v1/maintenance").await;
    assert!(list["windows"].as_array().unwrap().is_empty(), "{list}");
    support::eventually(
        std::time::Duration::from_secs(10),
        "bad down again",
        || async { (last_result(&d).await == "down").then_some(()) },
    )
    .await;
    assert!(!d
        .fetch("/agencies/bo-tu-phap")
        .await
        .body
        .contains("Nâng cấp máy chủ"));

    // Durable: a window declared before a restart holds after it.
    let r = post(&d, Some(TOKEN), &good).await;
    assert_eq!(r.status, 201, "{}", r.body);
    d.stop().await;
    let d = Running::start(&dir).await;
    let list = d.json("/api/v1/maintenance").await;
    assert_eq!(list["windows"].as_array().unwrap().len(), 1, "{list}");
    support::eventually(
        std::time::Duration::from_secs(10),
        "bad in maintenance after the restart",
        || async { (last_result(&d).await == "maintenance").then_some(()) },
    )
    .await;
    d.stop().await;
}
