//! SLA reports end to end: a generated 30-day history of 1,000 checks is rolled up; the
//! monthly report matches an independent computation; `emcd report` prints it as CSV;
//! a daemon's retention then deletes the raw results, the file shrinks, and the API
//! serves the same report from rollups.

mod support;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use emcd::report::Period;
use emcd::result::{ErrorKind, ResultKind};
use emcd::sla::histogram::BUCKET_ERROR;
use emcd::store::writer::{self, CheckReg};
use emcd::store::{pack, Store};

const CHECKS: i64 = 1000;
const INTERVAL: i64 = 900;

fn write_config(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        "storage: {path: emcd.db}\ndefaults: {interval: 15m, timeout: 2s}\ninclude: [agencies/*.yaml]\n",
    )
    .unwrap();
    for a in 0..20 {
        let mut y = format!("agency: {{id: tinh-{a:02}, code: \"{a:02}\", name: Tỉnh {a}, kind: province}}\nsystems:\n");
        for s in 0..5 {
            y.push_str(&format!(
                "  - id: he-thong-{s}\n    name: Hệ thống {s}\n    kind: tthc\n    checks:\n"
            ));
            for c in 0..10 {
                // Port 9 on loopback: nothing listens, probes fail fast and stay local.
                y.push_str(&format!(
                    "      - {{id: c{c}, http: {{url: \"http://127.0.0.1:9/\"}}}}\n"
                ));
            }
        }
        std::fs::write(dir.join(format!("agencies/tinh-{a:02}.yaml")), y).unwrap();
    }
    dir.join("emcd.yaml")
}

/// The generated history, by formula (shared by the SQL and the expectation).
fn kind(c: i64, k: i64) -> ResultKind {
    if c % 100 == 0 && (100..110).contains(&k) {
        ResultKind::Maintenance
    } else if (c * 7 + k * 13) % 100 < c % 5 {
        ResultKind::Down
    } else if (c * 11 + k * 3) % 50 == 0 {
        ResultKind::Degraded
    } else {
        ResultKind::Up
    }
}
fn offset(c: i64) -> i64 {
    (c * 37) % INTERVAL
}
fn duration(c: i64, k: i64) -> i64 {
    50 + (c * 31 + k * 17) % 400
}

/// Expected (availability, exact p95 ms, coverage) of check `c`, computed directly.
fn expected(c: i64, start: i64, end: i64) -> (f64, f64, f64) {
    let times: Vec<i64> = (0..)
        .map(|k| start + offset(c) + k * INTERVAL)
        .take_while(|t| *t < end)
        .collect();
    let (mut ok, mut bad, mut covered) = (0.0, 0.0, 0.0);
    let mut lat = Vec::new();
    for (k, t) in times.iter().enumerate() {
        let span = match times.get(k + 1) {
            Some(next) => (next - t) as f64,
            None => ((t + 2 * INTERVAL).min(end) - t) as f64,
        };
        covered += span;
        match kind(c, k as i64) {
            ResultKind::Up | ResultKind::Degraded => {
                ok += span;
                lat.push(duration(c, k as i64) as f64);
            }
            ResultKind::Down => bad += span,
            _ => {}
        }
    }
    lat.sort_by(f64::total_cmp);
    let p95 = lat[((0.95 * lat.len() as f64).ceil() as usize) - 1];
    (ok / (ok + bad), p95, covered / (end - start) as f64)
}

async fn generate(
    store_path: &Path,
    config: &emcd::config::Config,
    start: i64,
    end: i64,
) -> HashMap<String, i64> {
    let (_store, mut conn) = Store::open(store_path).await.unwrap();
    let regs: Vec<CheckReg> = config
        .checks()
        .map(|(_, _, c)| CheckReg::new(c.full_id.as_str(), "http", INTERVAL))
        .collect();
    let ids = writer::register(&mut conn, &regs).await.unwrap();
    sqlx::query("CREATE TEMP TABLE idmap (j INTEGER PRIMARY KEY, id INTEGER)")
        .execute(&mut conn)
        .await
        .unwrap();
    for (j, r) in regs.iter().enumerate() {
        sqlx::query("INSERT INTO idmap VALUES (?, ?)")
            .bind(j as i64)
            .bind(ids[&r.full_id])
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let up = pack(ResultKind::Up, None, Some(200));
    let degraded = pack(ResultKind::Degraded, None, Some(200));
    let down = pack(ResultKind::Down, Some(ErrorKind::Status), Some(503));
    let maint = pack(ResultKind::Maintenance, None, Some(200));
    sqlx::query(
        "WITH RECURSIVE k(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM k WHERE i < 2880) \
         INSERT INTO results (check_id, ts, code, duration_ms) \
         SELECT m.id, ?1 + (m.j * 37) % 900 + k.i * 900 AS t, \
           CASE WHEN m.j % 100 = 0 AND k.i BETWEEN 100 AND 109 THEN ?6 \
                WHEN (m.j * 7 + k.i * 13) % 100 < m.j % 5 THEN ?5 \
                WHEN (m.j * 11 + k.i * 3) % 50 = 0 THEN ?4 ELSE ?3 END, \
           50 + (m.j * 31 + k.i * 17) % 400 \
         FROM k, idmap m WHERE t < ?2 ORDER BY t, m.j",
    )
    .bind(start)
    .bind(end)
    .bind(up)
    .bind(degraded)
    .bind(down)
    .bind(maint)
    .execute(&mut conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO result_marks SELECT ts / 60, min(rowid) FROM results GROUP BY ts / 60",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    use sqlx::Connection;
    conn.close().await.unwrap();
    ids
}

fn file_size(p: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .map(|s| std::fs::metadata(format!("{}{s}", p.display())).map_or(0, |m| m.len()))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn monthly_report_matches_an_independent_computation_and_survives_retention() {
    let dir = tempfile::tempdir().unwrap();
    let main = write_config(dir.path());
    let mut config = emcd::config::load(&main).unwrap();
    config.storage.path = dir.path().join("emcd.db");
    let config = Arc::new(config);
    let tz = config.sla.timezone;
    let (start, end) = emcd::sla::time::month(tz, "2026-09").unwrap();
    let db = config.storage.path.clone();
    let ids = generate(&db, &config, start, end).await;

    // Roll up in process, as the daemon's housekeeping does.
    let (store, conn) = Store::open(&db).await.unwrap();
    let store = Arc::new(store);
    let fleet = emcd::fleet::FleetHandle::new(emcd::fleet::Fleet::build(config.clone(), &ids));
    let metrics = Arc::new(emcd::metrics::Metrics::new(fleet.clone()));
    let (w, task) = writer::spawn(conn, metrics.writer.clone(), 1024);
    let hk = emcd::housekeeping::Housekeeper {
        store: store.clone(),
        writer: w,
        fleet,
        metrics,
        role: emcd::role::Role::single("local", "local"),
    };
    let hours = hk.rollup_pass(end + 7200).await.unwrap();
    assert!(hours >= 720, "{hours} hours rolled up");
    assert_eq!(
        hk.rollup_pass(end + 7200).await.unwrap(),
        0,
        "each hour once"
    );
    drop(hk);
    task.await.unwrap();

    let report = emcd::report::sla(
        &store,
        &config,
        Period {
            from: start,
            to: end,
        },
        None,
    )
    .await
    .unwrap();
    assert_eq!(report.checks.len(), CHECKS as usize);
    assert_eq!(report.policy.name, "emcd-sla-v1");
    let mut by_agency: HashMap<String, (f64, f64)> = HashMap::new();
    for (c, row) in report.checks.iter().enumerate() {
        let (avail, p95, coverage) = expected(c as i64, start, end);
        let got = row.figures.availability.unwrap();
        assert!((got - avail).abs() <= 1e-9, "check {c}: {got} vs {avail}");
        let got_p95 = row.figures.p95_ms.unwrap();
        assert!(
            (got_p95 - p95).abs() / p95 <= BUCKET_ERROR,
            "check {c}: p95 {got_p95} vs exact {p95}"
        );
        assert!(
            (row.figures.coverage - coverage).abs() < 1e-9,
            "check {c} coverage"
        );
        let e = by_agency.entry(row.agency.clone()).or_default();
        e.0 += avail;
        e.1 += 1.0;
    }
    // Agencies: time-weighted over their checks (every check spans the same period
    // shape here, so the agency figure lies within its checks' range).
    for a in &report.agencies {
        let got = a.figures.availability.unwrap();
        let mean = by_agency[&a.agency].0 / by_agency[&a.agency].1;
        assert!(
            (got - mean).abs() < 0.002,
            "{}: {got} vs mean {mean}",
            a.agency
        );
    }

    // `emcd report` prints the same figures as CSV.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_emcd"))
        .args([
            "report",
            "sla",
            "--config",
            main.to_str().unwrap(),
            "--month",
            "2026-09",
            "--format",
            "csv",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli_csv = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = cli_csv.lines().collect();
    assert!(
        lines[0].starts_with("policy,period_from,period_to,level,agency,system,check,availability")
    );
    assert_eq!(lines.len(), 1 + 20 + 100 + 1000);
    let c7 = lines
        .iter()
        .find(|l| l.contains(",check,tinh-00,he-thong-0,c7,"))
        .unwrap();
    let cells: Vec<&str> = c7.split(',').collect();
    assert_eq!(cells[0], "emcd-sla-v1");
    assert_eq!((cells[1], cells[2]), ("2026-09-01", "2026-09-30"));
    let avail: f64 = cells[7].parse().unwrap();
    assert!((avail - expected(7, start, end).0).abs() < 1e-6);

    // A daemon on this database: its retention deletes the old raw results (older than
    // storage.retention.raw), the file shrinks, and reports come from rollups alone.
    let before = file_size(&db);
    let d = support::Daemon::start(dir.path(), &main);
    d.wait_ready().await;
    support::wait_metrics(&d, "retention done", |s| {
        support::sample(
            s,
            "emcd_housekeeping_last_success_timestamp_seconds",
            &["job=\"retention\""],
        )
        .is_some()
    })
    .await;
    let (store2, _c) = Store::open(&db).await.unwrap();
    let raw_left = store2.count_results().await.unwrap();
    assert!(
        raw_left < 1000,
        "raw results of September deleted ({raw_left} left)"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after = file_size(&db);
    assert!(after < before / 2, "file shrank: {before} -> {after} bytes");
    let (status, api_csv) = support::get(&d.addr, "/api/v1/reports/sla?month=2026-09&format=csv")
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        api_csv, cli_csv,
        "the API serves the same report, now from rollups only"
    );
    let (status, json) = support::get(&d.addr, "/api/v1/reports/sla?month=2026-09&agency=tinh-03")
        .await
        .unwrap();
    assert_eq!(status, 200);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["checks"].as_array().unwrap().len(), 50);
    assert_eq!(v["policy"]["exclude_maintenance"], true);
    let (status, _) = support::get(&d.addr, "/api/v1/reports/sla?month=2026-13")
        .await
        .unwrap();
    assert_eq!(status, 400);
    let (status, body) = support::get(&d.addr, "/api/v1/reports/compliance?format=csv")
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.lines().count(), 21);
}
