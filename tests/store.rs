//! The store against a real SQLite file: batched writer, time-range reads through the
//! sparse minute index, restart safety, and the on-disk cost per raw result.

use emcd::metrics::Metrics;
use emcd::result::{ErrorKind, ResultKind};
use emcd::store::writer::{self, CheckReg, ResultRow};
use emcd::store::{pack, Store};

fn metrics() -> writer::WriterMetrics {
    // The writer metrics come from the real registry, as in the daemon.
    let fleet = emcd::fleet::FleetHandle::new(emcd::fleet::Fleet {
        config: std::sync::Arc::new(minimal_config()),
        checks: vec![],
        systems: vec![],
        system_checks: vec![],
        by_id: Default::default(),
    });
    Metrics::new(fleet).writer.clone()
}

fn minimal_config() -> emcd::config::Config {
    use emcd::config::*;
    Config {
        source: "emcd.yaml".into(),
        server: Server {
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_token: None,
            public_url: None,
            max_connections: 512,
            header_timeout: std::time::Duration::from_secs(10),
            idle_timeout: std::time::Duration::from_secs(60),
        },
        storage: Storage {
            path: "x.db".into(),
            postgres: None,
            max_held_results: 1_000_000,
            retention: Retention {
                raw: std::time::Duration::from_secs(1),
                hourly: std::time::Duration::from_secs(1),
                daily: std::time::Duration::from_secs(1),
            },
        },
        probing: Probing {
            max_in_flight: 1,
            user_agent: "t".into(),
            canaries: vec![],
            canary_interval: std::time::Duration::from_secs(10),
            source_address: None,
        },
        cluster: Cluster {
            vantage: "local".into(),
        },
        connection: Connection {
            window: std::time::Duration::from_secs(900),
        },
        sla: Sla {
            timezone: chrono_tz::Asia::Ho_Chi_Minh,
            exclude_maintenance: true,
        },
        alerting: Alerting {
            repeat_interval: std::time::Duration::ZERO,
            receivers: vec![],
            routes: vec![],
            runbook_urls: vec![],
        },
        maintenance: vec![],
        agencies: vec![],
    }
}

fn row(check_id: i64, ts: i64, i: i64) -> ResultRow {
    let down = i % 7 == 0;
    ResultRow {
        check_id,
        ts,
        code: if down {
            pack(ResultKind::Down, Some(ErrorKind::Status), Some(503))
        } else {
            pack(ResultKind::Up, None, Some(200))
        },
        duration_ms: 20 + i % 300,
        message: down.then(|| "status 503 not in 200-399".into()),
    }
}

#[tokio::test]
async fn batched_writes_are_read_back_by_time_range() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/dir/emcd.db");
    let (store, mut conn) = Store::open(&path).await.unwrap();
    let checks: Vec<CheckReg> = (0..50)
        .map(|i| CheckReg::new(format!("a/s/c{i}"), "http", 10))
        .collect();
    let ids = writer::register(&mut conn, &checks).await.unwrap();
    assert_eq!(ids.len(), 50);
    let (handle, task) = writer::spawn(conn, metrics(), 1024);

    // 50 checks, one result each every 10 s, over 100 minutes starting at t0.
    let t0 = 1_790_000_000;
    let mut sent = 0;
    for step in 0..600 {
        for c in 0..50 {
            let id = ids[&format!("a/s/c{c}")];
            handle
                .send(row(id, t0 + step * 10, step), Default::default())
                .await
                .unwrap();
            sent += 1;
        }
    }
    // Registering while results are queued keeps ids stable and order intact.
    let again = handle
        .register(vec![
            CheckReg::new("a/s/c0", "http", 10),
            CheckReg::new("a/s/new", "tcp", 10),
        ])
        .await
        .unwrap();
    assert_eq!(again["a/s/c0"], ids["a/s/c0"]);
    drop(handle);
    task.await.unwrap();
    assert_eq!(store.count_results().await.unwrap(), sent);

    let c7 = ids["a/s/c7"];
    let newest = store.results(c7, None, None, 5).await.unwrap();
    assert_eq!(newest.len(), 5);
    assert_eq!(newest[0].ts, t0 + 599 * 10, "newest first");
    assert!(newest.windows(2).all(|w| w[0].seq > w[1].seq));

    // A 5-minute window in the middle holds exactly 30 results of this check.
    let from = t0 + 3000;
    let to = t0 + 3299;
    let window = store
        .results(c7, Some(from), Some(to), 10_000)
        .await
        .unwrap();
    assert_eq!(window.len(), 30);
    assert!(window.iter().all(|r| r.ts >= from && r.ts <= to));
    let down = window
        .iter()
        .find(|r| r.result == ResultKind::Down)
        .unwrap();
    assert_eq!(down.error, Some(ErrorKind::Status));
    assert_eq!(down.status_code, Some(503));
    assert_eq!(down.message.as_deref(), Some("status 503 not in 200-399"));
    let up = window.iter().find(|r| r.result == ResultKind::Up).unwrap();
    assert_eq!((up.status_code, up.message.as_deref()), (Some(200), None));

    // Ranges outside the data are empty, not errors.
    assert!(store
        .results(c7, Some(t0 + 1_000_000), None, 10)
        .await
        .unwrap()
        .is_empty());
    assert!(store
        .results(c7, None, Some(t0 - 1), 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn reopening_keeps_data_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("emcd.db");
    {
        let (_store, mut conn) = Store::open(&path).await.unwrap();
        let ids = writer::register(&mut conn, &[CheckReg::new("a/s/c", "http", 60)])
            .await
            .unwrap();
        let (h, task) = writer::spawn(conn, metrics(), 16);
        h.send(row(ids["a/s/c"], 1_790_000_000, 1), Default::default())
            .await
            .unwrap();
        drop(h);
        task.await.unwrap();
    }
    let (store, mut conn) = Store::open(&path).await.unwrap();
    let ids = writer::register(&mut conn, &[CheckReg::new("a/s/c", "http", 60)])
        .await
        .unwrap();
    assert_eq!(
        store
            .results(ids["a/s/c"], None, None, 10)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// The raw table's cost on disk for a realistic fleet (1,000 checks, mostly successes):
/// a guard for the layout described in ARCHITECTURE.md (goal: about 24 bytes).
#[tokio::test]
async fn raw_result_costs_about_24_bytes_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("emcd.db");
    let (store, mut conn) = Store::open(&path).await.unwrap();
    let checks: Vec<CheckReg> = (0..1000)
        .map(|i| CheckReg::new(format!("agency-{}/sys/check-{i}", i % 51), "http", 60))
        .collect();
    let ids: Vec<i64> = {
        let m = writer::register(&mut conn, &checks).await.unwrap();
        checks.iter().map(|c| m[&c.full_id]).collect()
    };
    let (handle, task) = writer::spawn(conn, metrics(), 4096);
    let n = 200_000i64;
    for i in 0..n {
        let mut r = row(ids[(i % 1000) as usize], 1_790_000_000 + i / 17, i);
        r.message = None; // successes carry no message; failures are rare
        r.code = pack(ResultKind::Up, None, Some(200));
        handle.send(r, Default::default()).await.unwrap();
    }
    drop(handle);
    task.await.unwrap();
    let (pages, page_size): (i64, i64) = {
        let opts = emcd::store::connect_options(path.to_str().unwrap()).unwrap();
        use sqlx::ConnectOptions;
        let mut c = opts.connect().await.unwrap();
        let pages: i64 = sqlx::query_scalar("SELECT count(*) FROM dbstat WHERE name = 'results'")
            .fetch_one(&mut c)
            .await
            .unwrap_or(0);
        let ps: i64 = sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(&mut c)
            .await
            .unwrap();
        (pages, ps)
    };
    let per_row = if pages > 0 {
        (pages * page_size) as f64 / n as f64
    } else {
        // dbstat not compiled in: fall back to the whole file.
        std::fs::metadata(&path).unwrap().len() as f64 / n as f64
    };
    eprintln!("raw results: {per_row:.1} bytes per result ({pages} pages of {page_size})");
    assert!(per_row <= 26.0, "{per_row:.1} bytes per raw result");
    assert_eq!(store.count_results().await.unwrap(), n);
}
