//! Agencies that merge, over a month (docs/results.md, "Agencies that merge"): the
//! synthetic month of `compliance/` goes through the daemon's own paths (writer,
//! recorder, periodic round); then `tinh-c` is merged into `tinh-a` in the middle of the
//! month (its file gains `valid_to` and `successor`, as an operator does once the
//! merger is law), and `tinh-b`'s file is removed after a daemon has run with it. The
//! month's compliance report is compared number by number with a second-by-second
//! computation: `tinh-c`'s line covers the month up to the merger, `tinh-a`'s line
//! includes `tinh-c`'s required systems from the merger on and says so, and `tinh-b` is
//! still listed by its stored name.

mod support;

#[allow(dead_code)] // the synthetic month's helpers this test does not need
mod compliance;

use compliance::{connected_seconds, last_month, simulate, write_config, SYSTEMS};
use support::{ConfigDir, Running};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merger_in_the_middle_of_a_month_rolls_into_the_successor_s_line() {
    let dir = ConfigDir::new("connection: {window: 15m}\n");
    write_config(&dir);
    let tz = dir.config().sla.timezone;
    let (month, from, to) = last_month(tz);
    let events = simulate(&dir, from, to).await;
    let results = compliance::by_system(&events);

    // A daemon runs with every file (the store keeps every agency's name), then tinh-b's
    // file is removed and tinh-c merges into tinh-a on the 16th.
    Running::start(&dir).await.stop().await;
    std::fs::remove_file(dir.dir.path().join("agencies/tinh-b.yaml")).unwrap();
    let day16 = format!("{month}-16");
    let merger = emcd::sla::time::bound(tz, &day16, emcd::sla::time::Bound::From).unwrap();
    let path = dir.dir.path().join("agencies/tinh-c.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let merged = text.replacen(
        "kind: province,",
        &format!("kind: province, valid_to: {day16}, successor: tinh-a,"),
        1,
    );
    assert_ne!(merged, text, "tinh-c's file gains valid_to and successor");
    std::fs::write(&path, merged).unwrap();

    let share = |a: &str, s: &str, f: i64, t: i64| {
        connected_seconds(&results[&(a.to_string(), s.to_string())], f, t) as f64 / (t - f) as f64
    };
    let required: Vec<&str> = SYSTEMS.iter().filter(|s| s.1).map(|s| s.0).collect();
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let want_c = mean(
        &required
            .iter()
            .map(|s| share("tinh-c", s, from, merger))
            .collect::<Vec<_>>(),
    );
    let mut a_shares: Vec<f64> = required
        .iter()
        .map(|s| share("tinh-a", s, from, to))
        .collect();
    a_shares.extend(required.iter().map(|s| share("tinh-c", s, merger, to)));
    let want_a = mean(&a_shares);
    let want_b = mean(
        &SYSTEMS
            .iter()
            .map(|s| share("tinh-b", s.0, from, to))
            .collect::<Vec<_>>(),
    );

    let d = Running::start(&dir).await;
    let v = d
        .json(&format!("/api/v1/reports/compliance?month={month}"))
        .await;
    let row = |id: &str| line_of(&v, id);
    let close = |got: &serde_json::Value, want: f64, what: &str| {
        let got = got.as_f64().unwrap();
        assert!((got - want).abs() < 1e-9, "{what}: {got} != {want}");
    };

    let c = row("tinh-c");
    close(&c["connection"], want_c, "tinh-c: up to the merger");
    for s in c["systems"].as_array().unwrap() {
        let secs =
            s["connected_seconds"].as_f64().unwrap() + s["not_connected_seconds"].as_f64().unwrap();
        assert_eq!(
            secs,
            (merger - from) as f64,
            "tinh-c: its month ends at the merger"
        );
    }
    assert!(
        c["note"]
            .as_str()
            .unwrap()
            .contains("merged into tinh-a on"),
        "{c}"
    );

    let a = row("tinh-a");
    close(
        &a["connection"],
        want_a,
        "tinh-a: with tinh-c after the merger",
    );
    let systems: Vec<&str> = a["systems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["system"].as_str().unwrap())
        .collect();
    assert_eq!(
        systems,
        ["s1", "s2", "s4", "tinh-c/s1", "tinh-c/s2", "tinh-c/s4"]
    );
    for s in &a["systems"].as_array().unwrap()[3..] {
        let secs =
            s["connected_seconds"].as_f64().unwrap() + s["not_connected_seconds"].as_f64().unwrap();
        assert_eq!(secs, (to - merger) as f64, "rolled in from the merger on");
    }
    let note = a["note"].as_str().unwrap();
    assert!(
        note.contains("includes Cơ quan tinh-c (tinh-c, merged") && note.contains(&day16),
        "{note}"
    );

    let b = row("tinh-b");
    assert_eq!(b["name"], "Cơ quan tinh-b", "by its stored name");
    close(&b["connection"], want_b, "tinh-b: from its stored history");
    assert!(b["note"].as_str().unwrap().contains("file was removed"));

    sla_and_scorecard(&d, &month, &events, (from, merger, to)).await;
    d.stop().await;
}

/// The month's SLA report and scorecard list the same agencies as the compliance
/// report: `tinh-c` up to the merger, `tinh-a` with `tinh-c`'s checks from then on,
/// `tinh-b` by its stored name; each line's result count is compared with the
/// synthetic results, and a removed agency can be asked for alone.
async fn sla_and_scorecard(
    d: &Running,
    month: &str,
    events: &[compliance::Event],
    (from, merger, to): (i64, i64, i64),
) {
    let count = |agency: &str, f: i64, t: i64| {
        events
            .iter()
            .filter(|e| e.agency == agency && e.t >= f && e.t < t)
            .count() as i64
    };
    let v = d.json(&format!("/api/v1/reports/sla?month={month}")).await;
    let line = |id: &str| line_of(&v, id);
    let c = line("tinh-c");
    assert_eq!(
        c["results"],
        count("tinh-c", from, merger),
        "tinh-c: up to the merger"
    );
    assert!(
        c["note"]
            .as_str()
            .unwrap()
            .contains("merged into tinh-a on"),
        "{c}"
    );
    let a = line("tinh-a");
    assert_eq!(
        a["results"],
        count("tinh-a", from, to) + count("tinh-c", merger, to),
        "tinh-a: its own month and tinh-c's results from the merger on"
    );
    assert_eq!(a["checks"], 8, "tinh-a's four checks and tinh-c's four");
    assert!(a["note"]
        .as_str()
        .unwrap()
        .contains("includes Cơ quan tinh-c (tinh-c, merged"));
    let b = line("tinh-b");
    assert_eq!(b["name"], "Cơ quan tinh-b", "by its stored name");
    assert_eq!(b["results"], count("tinh-b", from, to));
    assert_eq!(b["kind"], "city");
    let b_checks: Vec<String> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["agency"] == "tinh-b")
        .map(|r| {
            format!(
                "{}/{}",
                r["system"].as_str().unwrap(),
                r["check"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        b_checks,
        ["s1/c0", "s1/c1", "s2/c0", "s3/c0"],
        "from the stored check ids"
    );
    let bo_a = line("bo-a");
    assert_eq!(
        bo_a["note"],
        serde_json::Value::Null,
        "nothing happened to bo-a"
    );

    // Alone: a removed agency is still known to the reports.
    let alone = d
        .json(&format!("/api/v1/reports/sla?month={month}&agency=tinh-b"))
        .await;
    assert_eq!(alone["agencies"].as_array().unwrap().len(), 1, "{alone}");
    let r = d
        .fetch(&format!("/api/v1/reports/sla?month={month}&agency=tinh-z"))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    assert!(r.body.contains("tinh-z"), "{}", r.body);

    let card = d
        .json(&format!("/api/v1/reports/scorecard?month={month}"))
        .await;
    let score = |id: &str| line_of(&card, id);
    assert!(score("tinh-b")["note"]
        .as_str()
        .unwrap()
        .contains("file was removed"));
    assert!(score("tinh-a")["note"]
        .as_str()
        .unwrap()
        .contains("includes Cơ quan tinh-c"));
    assert_eq!(score("tinh-b")["league"], "provinces");
    let csv = d
        .fetch(&format!(
            "/api/v1/reports/compliance?month={month}&format=csv"
        ))
        .await
        .body;
    let header = csv.lines().next().unwrap();
    assert!(header.ends_with(",availability,note"), "{header}");
    let tinh_a = csv.lines().find(|l| l.contains(",tinh-a,")).unwrap();
    assert!(
        tinh_a.contains(",\"includes Cơ quan tinh-c (tinh-c, merged"),
        "the note, quoted for its comma: {tinh_a}"
    );
}

/// A report's line of agency `id`; panics with the report when it has none.
fn line_of(report: &serde_json::Value, id: &str) -> serde_json::Value {
    report["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agency"] == id)
        .unwrap_or_else(|| panic!("{id} is listed:\n{report:#}"))
        .clone()
}
