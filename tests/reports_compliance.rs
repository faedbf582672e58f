//! Compliance over a period, end to end: a month of synthetic push results goes through
//! the daemon's own paths (each row through the writer, each result into live state
//! through the recorder as the cluster feed applies it, the recorder's periodic round
//! every simulated minute recording the mandate's changes); then the month's report,
//! from the API (JSON and CSV) and from `emcd report`, is compared number by number with
//! a second-by-second computation from the results alone, and the ranks with a ranking
//! done here, each league on its own, ties sharing a rank. The status route and page
//! rank the same leagues from live pushes.

mod support;

mod compliance;

use std::collections::HashMap;

use compliance::{
    connected_seconds, last_month, ranks, simulate, write_config, AGENCIES, SYSTEMS, TOKEN,
};
use support::{ConfigDir, Running};

/// An agency's mean share, and each required system's connected seconds.
type Expected = (f64, Vec<(&'static str, i64)>);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_month_of_compliance_matches_a_second_by_second_computation_in_two_leagues() {
    let dir = ConfigDir::new("connection: {window: 15m}\n");
    write_config(&dir);
    let tz = dir.config().sla.timezone;
    let (month, from, to) = last_month(tz);
    let results = compliance::by_system(&simulate(&dir, from, to).await);

    // Expected, from the results alone.
    let mut expected: HashMap<&str, Expected> = HashMap::new();
    for (a, _, _) in AGENCIES {
        let mut shares = Vec::new();
        for (s, _, _) in SYSTEMS.iter().filter(|s| s.1) {
            let secs = connected_seconds(&results[&(a.to_string(), s.to_string())], from, to);
            shares.push((*s, secs));
        }
        let mean = shares
            .iter()
            .map(|(_, n)| *n as f64 / (to - from) as f64)
            .sum::<f64>()
            / shares.len() as f64;
        expected.insert(a, (mean, shares));
    }
    let rows: Vec<(&str, &str, f64)> = AGENCIES
        .iter()
        .map(|(a, k, _)| (*a, *k, expected[a].0))
        .collect();
    let want_rank = ranks(&rows);
    assert_eq!(
        (want_rank["bo-a"], want_rank["bo-d"]),
        (want_rank["bo-d"], want_rank["bo-a"])
    );
    assert!(
        expected["bo-a"].0 > expected["bo-c"].0 && expected["bo-c"].0 > 0.5,
        "{:?}",
        expected["bo-c"]
    );

    let d = Running::start(&dir).await;
    let v = d
        .json(&format!("/api/v1/reports/compliance?month={month}"))
        .await;
    assert_eq!(
        (
            v["mode"].as_str(),
            v["period"]["from"].as_i64(),
            v["period"]["to"].as_i64()
        ),
        (Some("period"), Some(from), Some(to))
    );
    let agencies = v["agencies"].as_array().unwrap();
    assert_eq!(agencies.len(), AGENCIES.len());
    let mut leagues_seen = Vec::new();
    for row in agencies {
        let id = row["agency"].as_str().unwrap();
        let (mean, shares) = &expected[id];
        let got = row["connection"].as_f64().unwrap();
        assert!(
            (got - mean).abs() < 1e-9,
            "{id}: connection {got} != {mean}"
        );
        assert_eq!(
            row["rank"].as_u64().unwrap() as usize,
            want_rank[id],
            "{id}: rank\n{v:#}"
        );
        let systems = row["systems"].as_array().unwrap();
        assert_eq!(systems.len(), shares.len(), "{id}: required systems only");
        for ((s, secs), got) in shares.iter().zip(systems) {
            assert_eq!(got["system"], *s);
            assert_eq!(
                got["connected_seconds"].as_f64(),
                Some(*secs as f64),
                "{id}/{s}"
            );
            assert_eq!(
                got["connected_seconds"].as_f64().unwrap()
                    + got["not_connected_seconds"].as_f64().unwrap(),
                (to - from) as f64,
                "{id}/{s}: all of the month known"
            );
        }
        leagues_seen.push(row["league"].as_str().unwrap().to_owned());
    }
    // Ministries first, then provinces, each by rank.
    let n_ministries = AGENCIES
        .iter()
        .filter(|a| !matches!(a.1, "province" | "city"))
        .count();
    assert!(
        leagues_seen[..n_ministries]
            .iter()
            .all(|l| l == "ministries"),
        "{leagues_seen:?}"
    );
    assert!(
        leagues_seen[n_ministries..]
            .iter()
            .all(|l| l == "provinces"),
        "{leagues_seen:?}"
    );
    let csv = d
        .fetch(&format!(
            "/api/v1/reports/compliance?month={month}&format=csv"
        ))
        .await;
    assert_eq!(csv.status, 200);
    for line in csv.body.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let (rank, id, connection) = (cells[6], cells[7], cells[15]);
        assert_eq!(rank, want_rank[id].to_string(), "{line}");
        assert_eq!(connection, format!("{:.6}", expected[id].0), "{line}");
        assert_eq!(cells[1], "period");
    }
    let one = d
        .json(&format!(
            "/api/v1/reports/compliance?month={month}&agency=bo-c"
        ))
        .await;
    assert_eq!(one["agencies"].as_array().unwrap().len(), 1);
    assert_eq!(
        one["agencies"][0]["rank"].as_u64().unwrap() as usize,
        want_rank["bo-c"],
        "one agency keeps its rank in its league"
    );
    let snapshot = d.json("/api/v1/reports/compliance").await;
    assert_eq!(snapshot["mode"], "snapshot");
    assert!(snapshot["agencies"][0]["systems"]
        .as_array()
        .unwrap()
        .is_empty());

    status_ranks(&d).await;
    d.stop().await;

    let main = dir.main_file().display().to_string();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_emcd"))
        .args([
            "report",
            "compliance",
            "--config",
            &main,
            "--month",
            &month,
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        csv.body,
        "the CLI prints what the API serves"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_emcd"))
        .args(["report", "compliance", "--config", &main, "--month", &month])
        .output()
        .unwrap();
    let table = String::from_utf8(out.stdout).unwrap();
    for title in [
        "Ministries and ministerial-level agencies",
        "Provinces and cities",
        &month,
    ] {
        assert!(table.contains(title), "{title} in\n{table}");
    }
}

/// Pushes connect some systems now; `/api/v1/status` and the status page rank each
/// league by the ratio of connected required systems, ties sharing a rank.
async fn status_ranks(d: &Running) {
    let pushes = [
        ("bo-a", "s1"),
        ("bo-a", "s2"),
        ("bo-b", "s1"),
        ("bo-c", "s1"),
        ("tinh-b", "s2"),
    ];
    let auth = format!("Bearer {TOKEN}");
    for (a, s) in pushes {
        let r = d
            .send(
                "POST",
                &format!("/api/v1/push/{a}/{s}/c0"),
                &[("authorization", &auth)],
                b"",
            )
            .await
            .unwrap();
        assert_eq!(r.status, 202, "{}", r.body);
    }
    let required = SYSTEMS.iter().filter(|s| s.1).count() as f64;
    let ratio = |a: &str| pushes.iter().filter(|p| p.0 == a).count() as f64 / required;
    let rows: Vec<(&str, &str, f64)> = AGENCIES
        .iter()
        .map(|(a, k, _)| (*a, *k, ratio(a)))
        .collect();
    let want = ranks(&rows);
    assert_eq!((want["bo-b"], want["bo-c"], want["bo-d"]), (2, 2, 4));
    let v = d
        .wait_json(
            "/api/v1/status",
            "the pushes connected their systems",
            |v| v["totals"]["systems"]["connected"] == pushes.len(),
        )
        .await;
    for a in v["agencies"].as_array().unwrap() {
        let id = a["id"].as_str().unwrap();
        assert_eq!(
            a["rank"].as_u64().unwrap() as usize,
            want[id],
            "{id}\n{v:#}"
        );
        let league = if matches!(a["kind"].as_str(), Some("province" | "city")) {
            "provinces"
        } else {
            "ministries"
        };
        assert_eq!(a["league"], league);
    }
    let page = d.fetch("/").await.body;
    for (a, _, _) in AGENCIES {
        let item = format!(
            "<span class=\"rank\">#{}</span> <a href=\"/agencies/{a}?lang=vi\">",
            want[a]
        );
        assert!(page.contains(&item), "{item} on the page");
    }
    // Problems first, worst first (each card's class is the worst of its standing,
    // checks and alerts); ranks stay those of the leagues.
    let levels: Vec<u8> = page
        .split("<li class=\"")
        .skip(1)
        .filter(|item| item.contains("<span class=\"rank\">"))
        .map(|item| match &item[..item.find('"').unwrap()] {
            "bad" => 2,
            "warn" => 1,
            _ => 0,
        })
        .collect();
    assert_eq!(levels.len(), AGENCIES.len());
    assert!(
        levels.windows(2).all(|w| w[0] >= w[1]),
        "problems first, worst first: {levels:?}"
    );
}
