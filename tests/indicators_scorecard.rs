//! The scorecard's indicators part against an independent computation: a month of
//! pushes through the daemon's own API (a replaced push, pushes of the months around it
//! that must not count, an agency that pushes nothing), the scorecard of that month
//! compared number by number with the rule of the 2022 index computed here (sums over
//! systems, rates, each group's share of the weight and threshold, the total, grade and
//! rank in its league, ties sharing a rank), the CSV, and the status page's grade
//! following a late push.

mod support;

use std::collections::HashMap;

use serde_json::{json, Value};
use support::{ConfigDir, Running};

const TZ: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;
/// `scoring.weights` of the test: connection 10 (every agency here has no required
/// system: compliance 1, 10 points), indicators 90.
const CONNECTION: f64 = 10.0;
const INDICATORS: f64 = 90.0;
/// (share of the indicators weight, full-score threshold) of the groups on time,
/// online, paid online and satisfaction, as docs/results.md states them.
const GROUPS: [(f64, f64); 4] = [(0.30, 0.95), (0.25, 0.50), (0.20, 0.30), (0.25, 0.90)];

/// (id, kind, token): every agency has two procedure systems and a portal.
const AGENCIES: [(&str, &str, &str); 6] = [
    ("bo-a", "ministry", "tok-bo-a"),
    ("bo-b", "ministry", "tok-bo-b"),
    ("bo-c", "ministerial_agency", "tok-bo-c"),
    ("bo-d", "ministry", "tok-bo-d"),
    ("tinh-a", "province", "tok-tinh-a"),
    ("tinh-b", "city", "tok-tinh-b"),
];

/// (received, on time, late, online, paid online, satisfaction) of a system.
type Counts = (i64, i64, i64, i64, i64, f64);

/// The month's final pushes: (agency, system, counts). bo-b and bo-c push the same
/// (a tie); bo-d pushes nothing.
fn final_pushes() -> Vec<(&'static str, &'static str, Counts)> {
    vec![
        ("bo-a", "ho-tich", (1000, 930, 50, 640, 330, 93.0)),
        ("bo-a", "ly-lich", (400, 300, 100, 100, 20, 71.5)),
        ("bo-b", "ho-tich", (500, 400, 50, 200, 100, 85.0)),
        ("bo-c", "ho-tich", (500, 400, 50, 200, 100, 85.0)),
        ("tinh-a", "ho-tich", (2000, 1990, 0, 1500, 900, 96.0)),
        ("tinh-a", "ly-lich", (0, 0, 0, 0, 0, 40.0)),
        ("tinh-b", "ly-lich", (300, 100, 150, 30, 3, 60.0)),
    ]
}

fn digest(token: &str) -> String {
    format!("sha256:{}", emcd::token::hex(&emcd::token::digest(token)))
}

fn month(offset: i32) -> String {
    use chrono::{Datelike, Months};
    let first = chrono::Utc::now()
        .with_timezone(&TZ)
        .date_naive()
        .with_day(1)
        .unwrap();
    let m = Months::new(offset.unsigned_abs());
    let first = if offset < 0 { first - m } else { first + m };
    format!("{:04}-{:02}", first.year(), first.month())
}

fn body(month: &str, systems: &[(&str, Counts)]) -> Vec<u8> {
    let systems: Vec<Value> = systems
        .iter()
        .map(|(s, c)| {
            json!({"system": s, "received": c.0, "resolved_on_time": c.1, "resolved_late": c.2,
                   "submitted_online": c.3, "paid_online": c.4, "satisfaction": c.5})
        })
        .collect();
    json!({"month": month, "systems": systems})
        .to_string()
        .into_bytes()
}

async fn push(d: &Running, agency: &str, month: &str, systems: &[(&str, Counts)]) {
    let token = AGENCIES.iter().find(|a| a.0 == agency).unwrap().2;
    let auth = format!("Bearer {token}");
    let path = format!("/api/v1/indicators/{agency}");
    let r = d
        .send(
            "POST",
            &path,
            &[("authorization", &auth)],
            &body(month, systems),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 201, "{agency} {month}: {}", r.body);
}

/// The indicators points of each agency by the documented rule, and its group rates.
fn expected() -> HashMap<&'static str, (f64, [Option<f64>; 4])> {
    let mut out = HashMap::new();
    for (agency, _, _) in AGENCIES {
        let rows: Vec<Counts> = final_pushes()
            .into_iter()
            .filter(|p| p.0 == agency)
            .map(|p| p.2)
            .collect();
        if rows.is_empty() {
            out.insert(agency, (0.0, [None; 4]));
            continue;
        }
        let sum = |f: fn(&Counts) -> i64| rows.iter().map(f).sum::<i64>() as f64;
        let (received, on_time, late) = (sum(|c| c.0), sum(|c| c.1), sum(|c| c.2));
        let (online, paid) = (sum(|c| c.3), sum(|c| c.4));
        let satisfaction = if received > 0.0 {
            rows.iter().map(|c| c.5 * c.0 as f64).sum::<f64>() / received
        } else {
            rows.iter().map(|c| c.5).sum::<f64>() / rows.len() as f64
        };
        let rate = |n: f64, d: f64| (d > 0.0).then(|| n / d);
        let rates = [
            rate(on_time, on_time + late),
            rate(online, received),
            rate(paid, received),
            Some(satisfaction / 100.0),
        ];
        let points = GROUPS
            .iter()
            .zip(rates)
            .map(|((share, threshold), r)| {
                INDICATORS * share * r.map_or(0.0, |r| (r / threshold).min(1.0))
            })
            .sum();
        out.insert(agency, (points, rates));
    }
    out
}

fn close(got: &Value, want: f64, what: &str) {
    let got = got.as_f64().unwrap_or_else(|| panic!("{what}: {got}"));
    assert!((got - want).abs() < 1e-9, "{what}: {got} != {want}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_months_pushes_are_scored_by_the_rule() {
    let dir = ConfigDir::new(
        "scoring:\n  weights: {connection: 10, availability: 0, response_time: 0, indicators: 90}\n",
    );
    for (id, kind, token) in AGENCIES {
        dir.agency(
            id,
            &format!(
                "agency: {{id: {id}, code: {id}, name: {id}, kind: {kind}, indicators_token: \"{}\"}}\n\
                 systems:\n\
                 \x20 - {{id: ho-tich, name: Hộ tịch, kind: tthc, required: false, checks: []}}\n\
                 \x20 - {{id: ly-lich, name: Lý lịch, kind: tthc, required: false, checks: []}}\n\
                 \x20 - {{id: cong, name: Cổng, kind: portal, required: false, checks: []}}\n",
                digest(token)
            ),
        );
    }
    let d = Running::start(&dir).await;
    let last = month(-1);
    let page = d.fetch("/?lang=en").await.body;
    assert!(
        page.contains(&format!("scorecard {last}: {CONNECTION:.1} of 100")),
        "before any push, connection alone:\n{page}"
    );

    // A first push of bo-a's ho-tich, replaced by the final one below.
    let wrong: Counts = (10, 1, 1, 1, 1, 10.0);
    push(&d, "bo-a", &last, &[("ho-tich", wrong)]).await;
    for (agency, system, counts) in final_pushes() {
        push(&d, agency, &last, &[(system, counts)]).await;
    }
    // The months around it do not count.
    let perfect: Counts = (100, 100, 0, 100, 100, 100.0);
    push(&d, "bo-d", &month(-2), &[("ho-tich", perfect)]).await;
    push(&d, "bo-d", &month(0), &[("ho-tich", perfect)]).await;

    let want = expected();
    let v = d
        .json(&format!("/api/v1/reports/scorecard?month={last}"))
        .await;
    let policy = &v["policy"];
    assert_eq!(policy["weights"]["indicators"], 90);
    let groups = policy["indicators"]["groups"].as_array().unwrap();
    for (g, (share, threshold)) in groups.iter().zip(GROUPS) {
        assert_eq!(
            (g["share"].as_f64(), g["threshold"].as_f64()),
            (Some(share), Some(threshold))
        );
    }
    assert!(policy["not_scored"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| !s.as_str().unwrap().contains("indicators")));
    let mut totals = HashMap::new();
    for row in v["agencies"].as_array().unwrap() {
        let id = row["agency"].as_str().unwrap();
        let (points, rates) = want[id];
        let part = &row["indicators"];
        close(&part["points"], points, &format!("{id} indicator points"));
        assert_eq!(part["max"], 90);
        for ((name, (share, threshold)), rate) in
            ["on_time", "online", "paid_online", "satisfaction"]
                .iter()
                .zip(GROUPS)
                .zip(rates)
        {
            let g = &part[*name];
            match rate {
                Some(r) => close(&g["value"], r, &format!("{id} {name}")),
                None => assert!(g["value"].is_null(), "{id} {name}: {g}"),
            }
            close(&g["max"], INDICATORS * share, &format!("{id} {name} max"));
            close(
                &g["threshold"],
                threshold,
                &format!("{id} {name} threshold"),
            );
        }
        if id == "bo-d" {
            assert!(part["pushed"].is_null(), "{part}");
        } else {
            assert_eq!(part["pushed"]["months"], json!([last]), "{id}");
        }
        close(&row["connection"]["points"], CONNECTION, id);
        let total = CONNECTION + points;
        close(&row["total"], total, &format!("{id} total"));
        let grade = [(90.0, "A"), (80.0, "B"), (65.0, "C"), (50.0, "D")]
            .iter()
            .find(|(b, _)| total >= *b)
            .map_or("E", |g| g.1);
        assert_eq!(row["grade"], grade, "{id}: {total}");
        totals.insert(
            id,
            (row["league"].clone(), total, row["rank"].as_u64().unwrap()),
        );
    }
    assert_eq!(totals.len(), AGENCIES.len());
    for (id, (league, total, rank)) in &totals {
        let better = totals
            .values()
            .filter(|(l, t, _)| l == league && *t > *total + 1e-9)
            .count() as u64;
        assert_eq!(*rank, better + 1, "{id}: rank in its league");
    }
    assert_eq!(
        totals["bo-b"].2, totals["bo-c"].2,
        "the same pushes, the same rank"
    );
    let pushed = &v["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agency"] == "bo-a")
        .unwrap()["indicators"]["pushed"];
    assert_eq!(
        (
            &pushed["systems"],
            &pushed["received"],
            &pushed["resolved_late"]
        ),
        (&json!(2), &json!(1400), &json!(150)),
        "the replaced push does not count"
    );

    // The CSV gives the same points.
    let csv = d
        .fetch(&format!(
            "/api/v1/reports/scorecard?month={last}&format=csv"
        ))
        .await
        .body;
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let id = cells[col("agency")];
        assert_eq!(
            cells[col("indicators_points")],
            format!("{:.2}", want[id].0),
            "{id}"
        );
    }

    // The status page's grades follow a late push of last month.
    let page = d.fetch("/?lang=en").await.body;
    let bo_a = format!(
        "scorecard {last}: {:.1} of 100",
        CONNECTION + want["bo-a"].0
    );
    assert!(page.contains(&bo_a), "{bo_a} in\n{page}");
    push(&d, "bo-d", &last, &[("ho-tich", perfect)]).await;
    let page = d.fetch("/?lang=en").await.body;
    assert!(
        page.contains(
            "scorecard {last}: 100.0 of 100"
                .replace("{last}", &last)
                .as_str()
        ),
        "{page}"
    );
    d.stop().await;
}
