//! The scorecard of a month, end to end: the synthetic month of `compliance/` goes
//! through the daemon's own paths, and each agency pushes the month's indicators over
//! the API; the scorecard served over HTTP (with weights and grade bands set in the
//! config) is compared part by part with an independent computation: connection second
//! by second, availability second by second per check (a result stands until the next,
//! at most 2 x its interval), the exact p95 of the response times (the report's within
//! the histogram's error), the indicator groups' rates, the points by the rule, the
//! total, the grade and the rank in each league, ties sharing a rank. The status page
//! shows the grades; `emcd report scorecard` prints the same CSV. (The indicators part
//! on its own: `indicators_scorecard.rs`.)

mod compliance;
mod support;

use std::collections::HashMap;

use compliance::{
    by_system, connected_seconds, last_month, ranks, simulate, write_config, Event, AGENCIES,
    INTERVAL, SYSTEMS,
};
use emcd::result::ResultKind;
use emcd::sla::histogram::BUCKET_ERROR;
use support::{per_second, ConfigDir, Running};

const WEIGHTS: (f64, f64, f64, f64) = (40.0, 30.0, 10.0, 20.0);
/// (share of the indicators weight, full-score threshold) of the groups on time,
/// online, paid online and satisfaction (docs/results.md).
const GROUPS: [(f64, f64); 4] = [(0.30, 0.95), (0.25, 0.50), (0.20, 0.30), (0.25, 0.90)];

/// What an agency of pattern `p` pushes for its system s1: (received, resolved on
/// time, late, online, paid online, satisfaction); the worse, the higher `p`.
fn counters(p: u64) -> (i64, i64, i64, i64, i64, f64) {
    let p = p as i64;
    (
        1000,
        980 - 60 * p,
        10 * p,
        700 - 90 * p,
        400 - 70 * p,
        95.0 - 6.0 * p as f64,
    )
}

/// The indicator points of `counters(p)` by the rule of the 2022 index.
fn indicator_points(p: u64) -> f64 {
    let (received, on_time, late, online, paid, satisfaction) = counters(p);
    let rates = [
        on_time as f64 / (on_time + late) as f64,
        online as f64 / received as f64,
        paid as f64 / received as f64,
        satisfaction / 100.0,
    ];
    GROUPS
        .iter()
        .zip(rates)
        .map(|((share, threshold), r)| WEIGHTS.3 * share * (r / threshold).min(1.0))
        .sum()
}
const BANDS: [(f64, &str); 4] = [(85.0, "A"), (75.0, "B"), (60.0, "C"), (45.0, "D")];

/// (connection, availability, exact p95 ms) of each agency over `[from, to)`.
fn expected(events: &[Event], from: i64, to: i64) -> HashMap<&'static str, (f64, f64, f64)> {
    let systems = by_system(events);
    let mut out = HashMap::new();
    for (a, _, _) in AGENCIES {
        let required: Vec<f64> = SYSTEMS
            .iter()
            .filter(|s| s.1)
            .map(|s| {
                let secs = connected_seconds(&systems[&(a.into(), s.0.into())], from, to);
                secs as f64 / (to - from) as f64
            })
            .collect();
        let connection = required.iter().sum::<f64>() / required.len() as f64;
        let (mut up, mut down) = (0i64, 0i64);
        for (s, _, checks) in SYSTEMS {
            for c in 0..checks {
                let history: Vec<(i64, ResultKind)> = events
                    .iter()
                    .filter(|e| e.agency == a && e.system == s && e.check == c)
                    .map(|e| (e.t, e.kind))
                    .collect();
                let secs = per_second(&history, 2 * INTERVAL, from, to);
                up += secs[0];
                down += secs[2];
            }
        }
        let mut lat: Vec<i64> = events
            .iter()
            .filter(|e| e.agency == a && e.kind == ResultKind::Up && (from..to).contains(&e.t))
            .map(|e| e.duration_ms)
            .collect();
        lat.sort();
        let p95 = lat[((0.95 * lat.len() as f64).ceil() as usize) - 1] as f64;
        out.insert(a, (connection, up as f64 / (up + down) as f64, p95));
    }
    out
}

fn close(got: &serde_json::Value, want: f64, what: &str) {
    let got = got.as_f64().unwrap_or_else(|| panic!("{what}: {got}"));
    assert!((got - want).abs() < 1e-9, "{what}: {got} != {want}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_months_scorecard_matches_an_independent_computation() {
    let dir = ConfigDir::new(
        "connection: {window: 15m}\nscoring:\n  weights: {connection: 40, availability: 30, response_time: 10, indicators: 20}\n  grades: {A: 85, B: 75, C: 60, D: 45}\n",
    );
    write_config(&dir);
    let tz = dir.config().sla.timezone;
    let (month, from, to) = last_month(tz);
    let events = simulate(&dir, from, to).await;
    let want = expected(&events, from, to);

    let d = Running::start(&dir).await;
    d.wait_housekeeping().await;
    let auth = format!("Bearer {}", compliance::TOKEN);
    for (a, _, p) in AGENCIES {
        let c = counters(p);
        let body = serde_json::json!({"month": month, "systems": [{"system": "s1",
            "received": c.0, "resolved_on_time": c.1, "resolved_late": c.2,
            "submitted_online": c.3, "paid_online": c.4, "satisfaction": c.5}]});
        let path = format!("/api/v1/indicators/{a}");
        let r = d
            .send(
                "POST",
                &path,
                &[("authorization", &auth)],
                body.to_string().as_bytes(),
            )
            .await
            .unwrap();
        assert_eq!(r.status, 201, "{a}: {}", r.body);
    }
    let v = d
        .json(&format!("/api/v1/reports/scorecard?month={month}"))
        .await;
    let p = &v["policy"];
    assert_eq!(p["name"], "emcd-score-v1");
    assert_eq!(p["weights"]["connection"], 40);
    assert_eq!(p["grades"]["C"], 60);
    assert_eq!(p["weights"]["indicators"], 20);
    assert_eq!(
        p["not_scored"],
        serde_json::json!([]),
        "page loads are scored too"
    );
    let mut totals = Vec::new();
    let mut rows = HashMap::new();
    for row in v["agencies"].as_array().unwrap() {
        let id = row["agency"].as_str().unwrap();
        let (connection, availability, p95) = want[id];
        let c = &row["connection"];
        close(&c["value"], connection, &format!("{id} connection"));
        close(
            &c["points"],
            WEIGHTS.0 * connection,
            &format!("{id} connection points"),
        );
        let av = &row["availability"];
        close(&av["value"], availability, &format!("{id} availability"));
        close(&av["threshold"], 0.995, "the default SLO");
        let av_points = WEIGHTS.1 * (availability / 0.995).min(1.0);
        close(
            &av["points"],
            av_points,
            &format!("{id} availability points"),
        );
        let rt = &row["response_time"];
        let got_p95 = rt["value"].as_f64().unwrap();
        assert!(
            (got_p95 - p95).abs() <= p95 * BUCKET_ERROR * 1.0001,
            "{id}: p95 {got_p95} vs exact {p95}"
        );
        close(&rt["threshold"], 400.0, "degraded_after in ms");
        let rt_points = WEIGHTS.2 * (400.0 / got_p95).min(1.0);
        close(
            &rt["points"],
            rt_points,
            &format!("{id} response time points"),
        );
        let pattern = AGENCIES.iter().find(|a| a.0 == id).unwrap().2;
        let ind_points = indicator_points(pattern);
        close(
            &row["indicators"]["points"],
            ind_points,
            &format!("{id} indicator points"),
        );
        let total = WEIGHTS.0 * connection + av_points + rt_points + ind_points;
        close(&row["total"], total, &format!("{id} total"));
        let grade = BANDS.iter().find(|(b, _)| total >= *b).map_or("E", |g| g.1);
        assert_eq!(row["grade"], grade, "{id}: total {total}");
        totals.push((id.to_owned(), total));
        rows.insert(id.to_owned(), row.clone());
    }
    assert_eq!(totals.len(), AGENCIES.len());
    let by_total: Vec<(&str, &str, f64)> = AGENCIES
        .iter()
        .map(|(a, k, _)| (*a, *k, totals.iter().find(|t| t.0 == *a).unwrap().1))
        .collect();
    let want_rank = ranks(&by_total);
    for (id, row) in &rows {
        assert_eq!(
            row["rank"].as_u64().unwrap() as usize,
            want_rank[id],
            "{id}\n{v:#}"
        );
    }
    assert_eq!(
        want_rank["bo-a"], want_rank["bo-d"],
        "the same month, the same rank"
    );
    let grades: Vec<&str> = rows
        .values()
        .map(|r| r["grade"].as_str().unwrap())
        .collect();
    assert!(
        grades.iter().any(|g| *g != grades[0]),
        "grades differ: {grades:?}"
    );
    // The status page shows last month's grades beside each agency.
    let page = d.fetch("/?lang=en").await.body;
    for (id, row) in &rows {
        let badge = format!(
            "title=\"scorecard {month}: {:.1} of 100, rank {} in its league\">Grade {}</span>",
            row["total"].as_f64().unwrap(),
            want_rank[id],
            row["grade"].as_str().unwrap()
        );
        let item = &page[page
            .rfind(&format!("href=\"/agencies/{id}?lang=en\""))
            .unwrap()..];
        let item = &item[..item.find("</li>").unwrap()];
        assert!(item.contains(&badge), "{badge} in {item}");
    }
    let csv = d
        .fetch(&format!(
            "/api/v1/reports/scorecard?month={month}&format=csv"
        ))
        .await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.body.lines().count(), AGENCIES.len() + 1);
    d.stop().await;

    let main = dir.main_file().display().to_string();
    let cli = |format: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_emcd"))
            .args(["report", "scorecard", "--config", &main, "--month", &month])
            .args(["--format", format])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(cli("csv"), csv.body, "the CLI prints what the API serves");
    let table = cli("table");
    for text in [
        "emcd-score-v1",
        "Ministries and ministerial-level agencies",
        "Provinces and cities",
    ] {
        assert!(table.contains(text), "{text} in\n{table}");
    }
}
