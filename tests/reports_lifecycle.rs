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
    let results = compliance::by_system(&simulate(&dir, from, to).await);

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
    let row = |id: &str| {
        v["agencies"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["agency"] == id)
            .unwrap_or_else(|| panic!("{id} is listed:\n{v:#}"))
            .clone()
    };
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
    d.stop().await;
}
