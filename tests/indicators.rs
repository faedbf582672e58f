//! Indicators pushed by agencies, end to end against the `emcd` binary: the token
//! (missing, wrong, of an agency without one: refused, counted, logged without the
//! token), one bad push per rule (a 400 naming the field and quoting the value, nothing
//! stored), a later push of the same month replacing the earlier while both stay in the
//! history with their times, the GET of what is stored, `/metrics`, the rate limit, and
//! what survives a restart. The scorecard's use of them is in `indicators_scorecard.rs`.

mod support;

use serde_json::{json, Value};
use support::{request, sample, samples, send, Daemon};

const TOKEN: &str = "emcd_indicators_token_of_bo_a_7c1e";
const TZ: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

fn digest(token: &str) -> String {
    format!("sha256:{}", emcd::token::hex(&emcd::token::digest(token)))
}

fn write_config(dir: &std::path::Path) {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        format!(
            "storage: {{path: {}}}\ninclude: [agencies/*.yaml]\n",
            dir.join("emcd.db").display()
        ),
    )
    .unwrap();
    let systems = "systems:\n\
                   \x20 - {id: ho-tich, name: Hộ tịch, kind: tthc, checks: []}\n\
                   \x20 - {id: ly-lich, name: Lý lịch tư pháp, kind: tthc, checks: []}\n\
                   \x20 - {id: cong, name: Cổng, kind: portal, checks: []}\n";
    std::fs::write(
        dir.join("agencies/bo-a.yaml"),
        format!(
            "agency: {{id: bo-a, code: A, name: Bộ A, kind: ministry, indicators_token: \"{}\"}}\n{systems}",
            digest(TOKEN)
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("agencies/tinh-b.yaml"),
        format!("agency: {{id: tinh-b, code: \"02\", name: Tỉnh B, kind: province}}\n{systems}"),
    )
    .unwrap();
}

/// `YYYY-MM` of the month `offset` months from the current one (in `TZ`).
fn month(offset: i32) -> String {
    use chrono::{Datelike, Months};
    let today = chrono::Utc::now().with_timezone(&TZ).date_naive();
    let first = today.with_day(1).unwrap();
    let m = Months::new(offset.unsigned_abs());
    let first = if offset < 0 { first - m } else { first + m };
    format!("{:04}-{:02}", first.year(), first.month())
}

fn system(id: &str, c: [i64; 5], satisfaction: f64) -> Value {
    json!({"system": id, "received": c[0], "resolved_on_time": c[1], "resolved_late": c[2],
           "submitted_online": c[3], "paid_online": c[4], "satisfaction": satisfaction})
}

async fn post(d: &Daemon, agency: &str, auth: Option<&str>, body: &Value) -> (u16, Value) {
    let auth = auth.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    let path = format!("/api/v1/indicators/{agency}");
    let r = send(
        &d.addr,
        "POST",
        &path,
        &headers,
        body.to_string().as_bytes(),
    )
    .await
    .unwrap();
    (
        r.status,
        serde_json::from_str(&r.body).unwrap_or(Value::Null),
    )
}

async fn get_json(d: &Daemon, path: &str) -> (u16, Value) {
    let (status, body) = request(&d.addr, "GET", path, &[], b"").await.unwrap();
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn unix(v: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap())
        .unwrap()
        .timestamp()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_are_checked_kept_and_served() {
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path());
    let mut d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;
    let last = month(-1);
    let good = json!({"month": last, "systems": [
        system("ho-tich", [1000, 900, 80, 600, 250], 88.5),
        system("ly-lich", [200, 150, 50, 200, 0], 70.0),
    ]});

    // Who may push.
    let wrong = "emcd_a_wrong_indicators_token";
    assert_eq!(post(&d, "bo-a", None, &good).await.0, 401);
    let (status, v) = post(&d, "bo-a", Some(wrong), &good).await;
    assert_eq!((status, &v["error"]["code"]), (401, &json!("unauthorized")));
    let (status, v) = post(&d, "tinh-b", Some(TOKEN), &good).await;
    assert_eq!(
        (status, &v["error"]["code"]),
        (403, &json!("indicators_disabled"))
    );
    let (status, v) = post(&d, "khong-co", Some(TOKEN), &good).await;
    assert_eq!(
        (status, &v["error"]["code"]),
        (404, &json!("unknown_agency"))
    );
    assert_eq!(get_json(&d, "/api/v1/indicators/khong-co").await.0, 404);
    let (status, _) = request(&d.addr, "PUT", "/api/v1/indicators/bo-a", &[], b"")
        .await
        .unwrap();
    assert_eq!(status, 405);

    // One bad push per rule: a 400 naming the field and quoting the value.
    let future = month(1);
    let with = |key: &str, value: Value| {
        let mut s = system("ho-tich", [100, 80, 10, 60, 30], 90.0);
        s[key] = value;
        json!({"month": last, "systems": [s]})
    };
    let cases = [
        (with("received", json!(-3)), "systems[0].received: -3 is negative"),
        (
            with("resolved_late", json!(-1)),
            "systems[0].resolved_late: -1 is negative",
        ),
        (
            with("resolved_on_time", json!(95)),
            "systems[0].resolved_late: resolved_on_time 95 + resolved_late 10 = 105 is more than received 100",
        ),
        (
            with("submitted_online", json!(101)),
            "systems[0].submitted_online: 101 is more than received 100",
        ),
        (
            with("paid_online", json!(120)),
            "systems[0].paid_online: 120 is more than received 100",
        ),
        (
            with("satisfaction", json!(101)),
            "systems[0].satisfaction: expected a score from 0 to 100, got 101",
        ),
        (
            with("received", json!(2.5)),
            "systems[0].received: expected a whole number from 0 to 1000000000, got 2.5",
        ),
        (
            with("system", json!("cong")),
            "systems[0].system: \"cong\" is a portal system",
        ),
        (
            with("system", json!("khong-co")),
            "systems[0].system: \"khong-co\" is not a system of bo-a",
        ),
        (
            with("extra", json!(1)),
            "systems[0]: unknown field \"extra\"",
        ),
        (
            json!({"month": future, "systems": [system("ho-tich", [1, 1, 0, 1, 1], 50.0)]}),
            &format!("month: \"{future}\" is in the future"),
        ),
        (
            json!({"month": "2026-13", "systems": [system("ho-tich", [1, 1, 0, 1, 1], 50.0)]}),
            "month: expected a month YYYY-MM, e.g. 2026-11, got \"2026-13\"",
        ),
        (
            json!({"month": last, "systems": [system("ho-tich", [1, 1, 0, 1, 1], 50.0), system("ho-tich", [1, 1, 0, 1, 1], 50.0)]}),
            "systems[1].system: \"ho-tich\" appears twice",
        ),
        (json!({"month": last, "systems": []}), "systems: empty"),
    ];
    for (body, want) in &cases {
        let (status, v) = post(&d, "bo-a", Some(TOKEN), body).await;
        let message = v["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(status, 400, "{body}: {v}");
        assert_eq!(v["error"]["code"], "bad_request");
        assert!(message.starts_with(want), "{body}:\n{message}\nwant {want}");
        assert_eq!(v["error"]["details"][0].as_str(), Some(message));
    }
    let (_, v) = get_json(&d, "/api/v1/indicators/bo-a").await;
    assert_eq!(v["months"], json!([]), "nothing of a bad push is stored");

    // A push, then a later one of the same month for one system.
    let (status, first) = post(&d, "bo-a", Some(TOKEN), &good).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        (&first["status"], &first["month"], &first["systems"]),
        (
            &json!("stored"),
            &json!(last),
            &json!(["ho-tich", "ly-lich"])
        )
    );
    let again =
        json!({"month": last, "systems": [system("ho-tich", [1010, 920, 85, 610, 260], 89.0)]});
    let (status, second) = post(&d, "bo-a", Some(TOKEN), &again).await;
    assert_eq!(status, 201, "{second}");
    assert!(unix(&second["pushed_at"]) >= unix(&first["pushed_at"]));
    let current =
        json!({"month": month(0), "systems": [system("ho-tich", [10, 5, 0, 9, 3], 95.0)]});
    assert_eq!(post(&d, "bo-a", Some(TOKEN), &current).await.0, 201);

    let (status, v) = get_json(&d, &format!("/api/v1/indicators/bo-a?month={last}")).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["agency"], "bo-a");
    let months = v["months"].as_array().unwrap();
    assert_eq!(months.len(), 1, "{v:#}");
    assert_eq!(months[0]["month"], json!(last));
    let systems = months[0]["systems"].as_array().unwrap();
    let ho_tich = &systems[0];
    assert_eq!(ho_tich["system"], "ho-tich");
    assert_eq!(
        ho_tich["current"]["received"], 1010,
        "the later push is current"
    );
    assert_eq!(ho_tich["current"]["satisfaction"], 89.0);
    let history = ho_tich["history"].as_array().unwrap();
    assert_eq!(history.len(), 2, "both pushes are kept");
    assert_eq!(history[0]["received"], 1000);
    assert_eq!(history[0]["pushed_at"], first["pushed_at"]);
    assert_eq!(history[1], ho_tich["current"]);
    assert_eq!(history[1]["pushed_at"], second["pushed_at"]);
    assert_eq!(systems[1]["system"], "ly-lich");
    assert_eq!(systems[1]["current"]["resolved_late"], 50);
    let (_, all) = get_json(&d, "/api/v1/indicators/bo-a").await;
    let all_months: Vec<&Value> = all["months"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| &m["month"])
        .collect();
    assert_eq!(
        all_months,
        [&json!(last), &json!(month(0))],
        "months in order"
    );
    let (status, _) = get_json(&d, "/api/v1/indicators/bo-a?month=2026-1").await;
    assert_eq!(status, 400);

    // /metrics: each system's latest month, and every push counted by result.
    let (_, page) = request(&d.addr, "GET", "/metrics", &[], b"").await.unwrap();
    let s = samples(&page);
    let ho = ["agency=\"bo-a\"", "system=\"ho-tich\""];
    let ly = ["agency=\"bo-a\"", "system=\"ly-lich\""];
    let start = |m: &str| emcd::sla::time::month(TZ, m).unwrap().0 as f64;
    assert_eq!(
        sample(&s, "emcd_indicator_month_timestamp_seconds", &ho),
        Some(start(&month(0)))
    );
    assert_eq!(
        sample(&s, "emcd_indicator_dossiers_received", &ho),
        Some(10.0)
    );
    assert_eq!(
        sample(&s, "emcd_indicator_satisfaction_ratio", &ho),
        Some(0.95)
    );
    assert_eq!(
        sample(&s, "emcd_indicator_month_timestamp_seconds", &ly),
        Some(start(&last))
    );
    assert_eq!(
        sample(&s, "emcd_indicator_dossiers_resolved_late", &ly),
        Some(50.0)
    );
    assert_eq!(
        sample(&s, "emcd_indicator_dossiers_paid_online", &ly),
        Some(0.0)
    );
    assert_eq!(
        sample(&s, "emcd_indicator_last_push_timestamp_seconds", &ly),
        Some(unix(&first["pushed_at"]) as f64)
    );
    let pushes = |result: &str| {
        sample(
            &s,
            "emcd_indicator_pushes_total",
            &[&format!("result=\"{result}\"")],
        )
    };
    assert_eq!(pushes("accepted"), Some(3.0));
    assert_eq!(pushes("unauthorized"), Some(2.0));
    assert_eq!(pushes("disabled"), Some(1.0));
    assert_eq!(pushes("unknown_agency"), Some(1.0));
    assert_eq!(pushes("bad_request"), Some(cases.len() as f64));
    assert!(
        !s.keys()
            .any(|k| k.starts_with("emcd_indicator_") && k.contains("tinh-b")),
        "no series of a system without a push"
    );

    // The push API's rate limit: a burst of 5, then 429 with Retry-After.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        let (status, _) = post(&d, "bo-a", Some(TOKEN), &current).await;
        statuses.push(status);
        if status == 429 {
            break;
        }
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");

    // Kept across a restart; the token never reached the log.
    assert!(d.terminate().success());
    let log = std::fs::read_to_string(dir.path().join("emcd.log")).unwrap();
    assert!(log.contains("push rejected"), "a wrong token is logged");
    assert!(
        !log.contains(TOKEN) && !log.contains(wrong),
        "no token in the log"
    );
    let d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;
    let (_, after) = get_json(&d, &format!("/api/v1/indicators/bo-a?month={last}")).await;
    assert_eq!(after, v);
    let (_, page) = request(&d.addr, "GET", "/metrics", &[], b"").await.unwrap();
    let s = samples(&page);
    assert_eq!(
        sample(&s, "emcd_indicator_dossiers_received", &ly),
        Some(200.0)
    );
}
