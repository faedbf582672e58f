//! Microbenchmarks (docs/BENCHMARKS.md), without a benchmark framework: each one runs a few
//! times and prints its median. Run with
//!
//! ```text
//! cargo bench --bench micro            # all of them
//! cargo bench --bench micro -- metrics # those whose name contains "metrics"
//! ```
//!
//! - `store_writer`: results/s through `store::writer` into a temporary SQLite file,
//!   from the first result sent to the last one committed (goal >= 100,000/s);
//! - `metrics_encode`: the `/metrics` page of a fleet of 100,000 checks that all have
//!   a last result (goal <= 200 ms), in both formats;
//! - `metrics_gzip`: the page of 10,000 checks encoded, and gzipped at levels 1 and 6
//!   (the `/metrics` gzip, level 1);
//! - `config_load_and_fleet`: loading a 100,000-check config and building its fleet,
//!   the start-up work before the first probe;
//! - `state_apply`: `check::state::apply`, ns per result.
//!
//! Nothing here touches the network.

use std::hint::black_box;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use emcd::check::state::{self, CheckState, Thresholds};
use emcd::fleet::{Fleet, FleetHandle, LastResult};
use emcd::metrics::{Format, Metrics};
use emcd::probe::Phases;
use emcd::result::{ErrorKind, ResultKind};
use emcd::store::writer::{self, CheckReg, ResultRow};
use emcd::store::{pack, Store};

const RUNS: usize = 5;

fn main() {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let wanted = |name: &str| filter.is_empty() || filter.iter().any(|f| name.contains(f));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if wanted("store_writer") {
        store_writer(&rt);
    }
    if wanted("metrics_encode") || wanted("config_load_and_fleet") {
        metrics_encode(&rt);
    }
    if wanted("metrics_gzip") {
        metrics_gzip();
    }
    if wanted("state_apply") {
        state_apply();
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn report(name: &str, what: &str, samples: Vec<f64>, unit: &str, goal: &str) {
    let shown: Vec<String> = samples.iter().map(|s| format!("{s:.1}")).collect();
    println!(
        "{name:<28} {what}: median {:.1} {unit}  (runs: {})  goal: {goal}",
        median(samples),
        shown.join(", ")
    );
}

// ---------------------------------------------------------------- store writer

fn store_writer(rt: &tokio::runtime::Runtime) {
    const CHECKS: i64 = 1000;
    const RESULTS: i64 = 300_000;
    let mut rates = Vec::new();
    for _ in 0..RUNS {
        let dir = tempfile::tempdir().expect("temp dir");
        let rate = rt.block_on(async {
            let (_store, mut conn) = Store::open(&dir.path().join("emcd.db")).await.unwrap();
            let checks: Vec<CheckReg> = (0..CHECKS)
                .map(|i| CheckReg::new(format!("a/s/c{i}"), "http", 60))
                .collect();
            let ids = writer::register(&mut conn, &checks).await.unwrap();
            let ids: Vec<i64> = checks.iter().map(|c| ids[&c.full_id]).collect();
            let metrics = Metrics::new(empty_fleet()).writer.clone();
            let (handle, task) = writer::spawn(conn, metrics, 65_536);
            let ts = emcd::util::unix_now();
            let started = Instant::now();
            for i in 0..RESULTS {
                let down = i % 50 == 0;
                let row = ResultRow {
                    check_id: ids[(i % CHECKS) as usize],
                    vantage: None,
                    ts: ts + i / 6000,
                    code: if down {
                        pack(ResultKind::Down, Some(ErrorKind::Status), Some(503))
                    } else {
                        pack(ResultKind::Up, None, Some(200))
                    },
                    duration_ms: i % 300,
                    message: down.then(|| "status 503 not in 200-399".into()),
                };
                handle.send(row, Default::default()).await.unwrap();
            }
            drop(handle);
            task.await.unwrap();
            RESULTS as f64 / started.elapsed().as_secs_f64()
        });
        rates.push(rate);
    }
    report(
        "store_writer",
        "results/s committed",
        rates,
        "/s",
        ">= 100000/s",
    );
}

fn empty_fleet() -> FleetHandle {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = write_config(dir.path(), 1);
    let config = emcd::config::load(&config).expect("bench config loads");
    let ids = std::collections::HashMap::from([("a0000/s00/c000".to_owned(), 1)]);
    FleetHandle::new(Fleet::build(Arc::new(config), &ids))
}

// ---------------------------------------------------------------- /metrics

/// A config of `checks` http checks: agencies of 10 systems of 100 checks (as the
/// harness writes them).
fn write_config(dir: &Path, checks: usize) -> std::path::PathBuf {
    use std::fmt::Write;
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        "storage: {path: bench.db}\ninclude: [agencies/*.yaml]\n",
    )
    .unwrap();
    for a in 0..checks.div_ceil(1000) {
        let mut f = format!(
            "agency: {{id: a{a:04}, code: \"A{a}\", name: \"Agency {a}\", kind: province}}\nsystems:\n"
        );
        for s in 0..10 {
            let lo = a * 1000 + s * 100;
            let hi = (lo + 100).min(checks);
            if lo >= hi {
                break;
            }
            writeln!(
                f,
                "  - {{id: s{s:02}, name: \"System {s}\", kind: tthc, checks: ["
            )
            .unwrap();
            for i in lo..hi {
                writeln!(
                    f,
                    "      {{id: c{:03}, http: {{url: \"http://127.0.0.1:9/a{a:04}/s{s:02}/c{:03}\"}}}},",
                    i % 100,
                    i % 100
                )
                .unwrap();
            }
            f.push_str("    ]}\n");
        }
        std::fs::write(dir.join(format!("agencies/a{a:04}.yaml")), f).unwrap();
    }
    dir.join("emcd.yaml")
}

fn metrics_encode(_rt: &tokio::runtime::Runtime) {
    const CHECKS: usize = 100_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_config(dir.path(), CHECKS);
    let mut load = Vec::new();
    let mut fleet = None;
    for _ in 0..3 {
        let started = Instant::now();
        let config = emcd::config::load(&path).expect("bench config loads");
        let ids: std::collections::HashMap<String, i64> = emcd::reload::check_list(&config)
            .into_iter()
            .enumerate()
            .map(|(i, c)| (c.full_id, i as i64 + 1))
            .collect();
        let built = Fleet::build(Arc::new(config), &ids);
        load.push(started.elapsed().as_secs_f64() * 1000.0);
        fleet = Some(built);
    }
    report(
        "config_load_and_fleet",
        "100,000 checks",
        load,
        "ms",
        "first probe within 3 s",
    );
    let fleet = fleet.expect("built");
    fill(&fleet);
    let metrics = Metrics::new(FleetHandle::new(fleet));
    let role = emcd::role::Role::single("bench", "local");
    for format in [Format::Text, Format::OpenMetrics] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let page = black_box(metrics.encode(format, &role));
            times.push(started.elapsed().as_secs_f64() * 1000.0);
            size = page.len();
        }
        report(
            "metrics_encode",
            &format!(
                "100,000 checks, {format:?}, {:.1} MiB",
                size as f64 / (1 << 20) as f64
            ),
            times,
            "ms",
            "<= 200 ms",
        );
    }
}

/// Every check with a last result and two results in the last hour, so that it has
/// every series a running daemon's checks have.
fn fill(fleet: &Fleet) {
    let now = emcd::util::unix_now();
    for (i, c) in fleet.checks.iter().enumerate() {
        let mut live = c.live.lock().unwrap();
        let down = i % 97 == 0;
        live.counts = [1000 + i as u64, 7, 3, 0, 1];
        live.last_ok_at = Some(now);
        live.last = Some(LastResult {
            page: None,
            at: now,
            result: if down {
                ResultKind::Down
            } else {
                ResultKind::Up
            },
            error: down.then_some(ErrorKind::Status),
            status_code: Some(if down { 503 } else { 200 }),
            duration: 0.000_731 + i as f64 * 1e-9,
            phases: Phases {
                resolve: Duration::from_nanos(1_200),
                connect: Duration::from_micros(95),
                tls: Duration::ZERO,
                processing: Duration::from_micros(310),
                transfer: Duration::from_nanos(12_345 + i as u64),
            }
            .into(),
            cert_expiry: None,
            message: down.then(|| "status 503".to_owned()),
        });
        // Two results in the last hour, so every check has its four availability
        // series, as a running daemon's checks do.
        live.recent.push(now - 120, ResultKind::Up, 60);
        let kind = if down {
            ResultKind::Down
        } else {
            ResultKind::Up
        };
        live.recent.push(now - 60, kind, 60);
    }
}

/// gzip of the `/metrics` page (server/routes.rs) at levels 1 and 6, beside the
/// encoding itself, for 10,000 checks: ms per page and the gzip's size.
fn metrics_gzip() {
    use std::io::Write;
    const CHECKS: usize = 10_000;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = emcd::config::load(&write_config(dir.path(), CHECKS)).expect("config");
    let ids: std::collections::HashMap<String, i64> = emcd::reload::check_list(&config)
        .into_iter()
        .enumerate()
        .map(|(i, c)| (c.full_id, i as i64 + 1))
        .collect();
    let fleet = Fleet::build(Arc::new(config), &ids);
    fill(&fleet);
    let metrics = Metrics::new(FleetHandle::new(fleet));
    let role = emcd::role::Role::single("bench", "local");
    let page = metrics.encode(Format::OpenMetrics, &role);
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        black_box(metrics.encode(Format::OpenMetrics, &role));
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    let mib = page.len() as f64 / (1 << 20) as f64;
    report(
        "metrics_gzip",
        &format!("10,000 checks, encode, {mib:.2} MiB"),
        times,
        "ms",
        "-",
    );
    for level in [1, 6] {
        let mut times = Vec::new();
        let mut size = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(level));
            gz.write_all(page.as_bytes()).expect("in memory");
            size = black_box(gz.finish().expect("in memory")).len();
            times.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let kib = size as f64 / 1024.0;
        report(
            "metrics_gzip",
            &format!("10,000 checks, gzip level {level}, {kib:.0} KiB"),
            times,
            "ms",
            "-",
        );
    }
}

// ---------------------------------------------------------------- state function

fn state_apply() {
    const N: u32 = 20_000_000;
    let t = Thresholds {
        failure: 3,
        success: 2,
    };
    // A pattern with every kind of result and transitions in both directions.
    let pattern = [
        ResultKind::Up,
        ResultKind::Up,
        ResultKind::Degraded,
        ResultKind::Down,
        ResultKind::Down,
        ResultKind::Down,
        ResultKind::Down,
        ResultKind::Up,
        ResultKind::Unknown,
        ResultKind::Up,
        ResultKind::Degraded,
        ResultKind::Degraded,
        ResultKind::Degraded,
        ResultKind::Maintenance,
        ResultKind::Up,
        ResultKind::Up,
    ];
    let mut times = Vec::new();
    for _ in 0..RUNS {
        let mut s = CheckState::default();
        let mut transitions = 0u32;
        let started = Instant::now();
        for i in 0..N {
            let r = black_box(pattern[(i % 16) as usize]);
            let (next, tr) = state::apply(s, r, black_box(t));
            s = next;
            transitions += u32::from(tr.is_some());
        }
        black_box((s, transitions));
        times.push(started.elapsed().as_secs_f64() * 1e9 / f64::from(N));
    }
    report("state_apply", "per result", times, "ns", "(no goal)");
}
