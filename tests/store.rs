//! The SQLite file's on-disk cost per raw result (the reads and writes of both engines
//! are in `store_engines.rs`).

mod support;

use emcd::metrics::Metrics;
use emcd::result::ResultKind;
use emcd::store::writer::{self, CheckReg};
use emcd::store::{pack, Store};
use support::engines::row;

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
        digest: String::new(),
        server: Server {
            listen: "127.0.0.1:0".parse().unwrap(),
            admin_token: None,
            public_url: None,
            max_connections: 512,
            header_timeout: std::time::Duration::from_secs(10),
            idle_timeout: std::time::Duration::from_secs(60),
            tls: None,
            language: Language::Vi,
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
            tls: Default::default(),
            browser: Default::default(),
        },
        cluster: Cluster {
            vantage: "local".into(),
            lease: std::time::Duration::from_secs(15),
        },
        vantages: Vec::new(),
        connection: Connection {
            window: std::time::Duration::from_secs(900),
        },
        sla: Sla {
            timezone: chrono_tz::Asia::Ho_Chi_Minh,
            exclude_maintenance: true,
        },
        scoring: Scoring::default(),
        alerting: Alerting {
            repeat_interval: std::time::Duration::ZERO,
            receivers: vec![],
            routes: vec![],
            runbook_urls: vec![],
        },
        metrics: PerCheck::Full,
        maintenance: vec![],
        agencies: vec![],
        retired: vec![],
    }
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
