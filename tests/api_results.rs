//! Raw results and availability of a check through the API, against a push check whose
//! history was seeded into the database at known times: ordering, `limit`, `from`/`to`
//! (RFC 3339 and dates in `sla.timezone`), 400 for bad parameters, and the availability
//! windows checked against an independent second-by-second computation (docs/results.md).

mod support;

use chrono::{NaiveDate, TimeZone};
use emcd::result::ResultKind;
use serde_json::Value;
use support::fixture::{self, HB, HB_INTERVAL};

const RESULTS: &str = "/api/v1/checks/bo-tu-phap/heartbeat/hb/results";

fn times(v: &Value) -> Vec<i64> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| support::unix(&r["at"]))
        .collect()
}

/// Seeded times with `from <= t <= to`, newest first.
fn expected(history: &[(i64, ResultKind)], from: i64, to: i64) -> Vec<i64> {
    let mut t: Vec<i64> = history
        .iter()
        .map(|h| h.0)
        .filter(|t| (from..=to).contains(t))
        .collect();
    t.reverse();
    t
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn results_newest_first_with_limit_and_range() {
    let f = fixture::start().await;
    let h = &f.history;
    let d = &f.daemon;

    let v = d.json(RESULTS).await;
    assert_eq!(v["limit"], 100);
    assert_eq!(v["count"], 100);
    assert_eq!(times(&v), expected(h, i64::MIN, i64::MAX)[..100]);
    let first = &v["results"][0];
    assert_eq!(first["result"], "up");
    assert_eq!(first["duration_seconds"], 0.1);
    assert_eq!(first["status_code"], 200);

    let all = d.json(&format!("{RESULTS}?limit=10000")).await;
    assert_eq!(times(&all), expected(h, i64::MIN, i64::MAX));
    let down = all["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["result"] == "down")
        .unwrap();
    assert_eq!(down["error_kind"], "status");
    assert_eq!(down["message"], "seeded failure");
    assert_eq!(times(&d.json(&format!("{RESULTS}?limit=7")).await).len(), 7);

    // RFC 3339, in UTC and with an offset (its `+` encoded), inclusive at both ends.
    let (from, to) = (h[10].0, h[50].0);
    let q = format!("from={}&to={}", rfc3339(from, "Z"), rfc3339(to, "%2B07:00"));
    let v = d.json(&format!("{RESULTS}?{q}&limit=10000")).await;
    assert_eq!(times(&v), expected(h, from, to));
    assert_eq!(times(&v).len(), 41);
    assert_eq!(support::unix(&v["from"]), from);
    assert_eq!(support::unix(&v["to"]), to);
    let v = d.json(&format!("{RESULTS}?{q}&limit=3")).await;
    assert_eq!(times(&v), expected(h, from, to)[..3]);
    // Only one end.
    let v = d
        .json(&format!("{RESULTS}?to={}&limit=10000", rfc3339(to, "Z")))
        .await;
    assert_eq!(times(&v), expected(h, i64::MIN, to));
    // An empty range is an empty list.
    let v = d
        .json(&format!(
            "{RESULTS}?from={}&to={}",
            rfc3339(to, "Z"),
            rfc3339(from, "Z")
        ))
        .await;
    assert_eq!(v["count"], 0);

    // Dates are whole days in sla.timezone (Asia/Ho_Chi_Minh by default).
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let day = |t: i64| tz.timestamp_opt(t, 0).unwrap().date_naive();
    let start = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_hms_opt(0, 0, 0).unwrap())
            .unwrap()
            .timestamp()
    };
    let (d1, d2) = (day(h[0].0), day(h[h.len() - 1].0));
    let v = d
        .json(&format!("{RESULTS}?from={d1}&to={d1}&limit=10000"))
        .await;
    let want = expected(h, start(d1), start(d1.succ_opt().unwrap()) - 1);
    assert!(!want.is_empty());
    assert_eq!(times(&v), want);
    assert_eq!(support::unix(&v["from"]), start(d1));
    let v = d.json(&format!("{RESULTS}?from={d2}&limit=10000")).await;
    assert_eq!(times(&v), expected(h, start(d2), i64::MAX));
    f.daemon.stop().await;
}

fn rfc3339(t: i64, offset: &str) -> String {
    let secs = if offset == "Z" { t } else { t + 7 * 3600 };
    let dt = chrono::DateTime::from_timestamp(secs, 0).unwrap();
    format!("{}{offset}", dt.format("%Y-%m-%dT%H:%M:%S"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_parameters_are_400_naming_the_parameter() {
    let f = fixture::start().await;
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=10001", "limit"),
        ("limit=many", "limit"),
        ("limit=-5", "limit"),
        ("from=yesterday", "from"),
        ("from=2026-13-01", "from"),
        ("to=2026-02-30", "to"),
        ("to=2026-11-01T08:00:00", "to"),
        ("from=1793466000", "from"),
    ] {
        let r = f.daemon.fetch(&format!("{RESULTS}?{query}")).await;
        assert_eq!(r.status, 400, "{query}: {}", r.body);
        let e = r.json();
        assert_eq!(e["error"]["code"], "bad_parameter", "{query}");
        let message = e["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("{param}: ")),
            "{query}: {message}"
        );
        let forms = if param == "limit" {
            ["1", "10000"]
        } else {
            ["RFC 3339", "2026-11-01"]
        };
        assert!(
            forms.iter().all(|f| message.contains(f)),
            "{query}: {message}"
        );
    }
    f.daemon.stop().await;
}

/// Checks the four windows of the push check's detail against a second-by-second
/// computation over its whole seeded history; `starts` says where each window must
/// start (`to - len`, or its first whole hour when that part comes from rollups).
async fn check_windows(
    f: &fixture::Started,
    starts: impl Fn(&str, i64) -> i64,
) -> Vec<Option<f64>> {
    let v = f.daemon.json(&format!("/api/v1/checks/{HB}")).await;
    let a = &v["availability"];
    assert_eq!(a["policy"], "emcd-sla-v1");
    assert_eq!(a["exclude_maintenance"], true);
    assert_eq!(a["max_result_seconds"], 2 * HB_INTERVAL);
    let mut ratios = Vec::new();
    for (name, len) in [
        ("1h", 3600),
        ("24h", 86_400),
        ("7d", 7 * 86_400),
        ("30d", 30 * 86_400),
    ] {
        let w = &a["windows"][name];
        let (from, to) = (support::unix(&w["from"]), support::unix(&w["to"]));
        assert_eq!(from, starts(name, to - len), "{name}: {w}");
        let want = support::per_second(&f.history, 2 * HB_INTERVAL, from, to);
        let got = ["up", "degraded", "down", "maintenance", "unknown"]
            .map(|k| w[format!("{k}_seconds")].as_i64().unwrap());
        assert_eq!(got, want, "{name}: {w}");
        let ok = want[0] + want[1];
        let ratio = (ok + want[2] > 0).then(|| ok as f64 / (ok + want[2]) as f64);
        // serde_json's default float parsing may be one ulp off.
        match (w["ratio"].as_f64(), ratio) {
            (Some(g), Some(r)) => assert!((g - r).abs() < 1e-12, "{name}: {g} != {r}"),
            (g, r) => assert_eq!(g, r, "{name}"),
        }
        ratios.push(ratio);
    }
    // The last result is 2 h old: the last hour is unknown. The others have data, with
    // the down results making them < 1.
    assert_eq!(ratios[0], None);
    assert!(
        ratios[1..]
            .iter()
            .all(|r| r.is_some_and(|r| r > 0.8 && r < 1.0)),
        "{ratios:?}"
    );
    assert_ne!(
        ratios[2], ratios[3],
        "the stretch 7 d ago counts for 30 d only"
    );
    ratios
}

fn hour_ceil(t: i64) -> i64 {
    (t + 3599).div_euclid(3600) * 3600
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_windows_match_an_independent_computation() {
    let f = fixture::start().await;
    f.daemon.wait_housekeeping().await;
    // Raw results are kept 14 days (the default): every window but 30d is exact to the
    // second (rollups for its whole hours, raw results for the rest).
    check_windows(&f, |name, start| {
        if name == "30d" {
            hour_ceil(start)
        } else {
            start
        }
    })
    .await;
    f.daemon.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn availability_windows_come_from_rollups_once_raw_results_are_gone() {
    // Raw results kept 2 days: the start-up retention pass deletes the stretch of 7 days
    // ago, which the 7d and 30d windows then read from hourly rollups.
    let f = fixture::start_with_storage("  retention: {raw: 2d, hourly: 90d, daily: 800d}\n").await;
    f.daemon.wait_housekeeping().await;
    let seven_days_ago = f.history[0].0;
    let r = f
        .daemon
        .json(&format!("/api/v1/checks/{HB}/results?limit=10000"))
        .await;
    let oldest = r["results"]
        .as_array()
        .unwrap()
        .last()
        .map(|r| support::unix(&r["at"]));
    assert!(
        oldest.is_some_and(|t| t > seven_days_ago + 3 * 86_400),
        "retention kept raw results from 7 days ago: oldest {oldest:?}"
    );
    check_windows(&f, |name, start| match name {
        "7d" | "30d" => hour_ceil(start),
        _ => start,
    })
    .await;
    f.daemon.stop().await;
}
