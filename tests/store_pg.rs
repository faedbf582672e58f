//! The PostgreSQL engine's own guarantees: errors that name the server and never the
//! password, a newer schema refused, and the cost of a raw result on disk (the reads and
//! writes shared with SQLite are in `store_engines.rs`).

mod support;

use emcd::result::ResultKind;
use emcd::store::writer::{self, Changes, CheckReg, ResultRow, WriterMetrics};
use emcd::store::{pack, Location, Store};
use support::engines::{open, storage, Kind, Opened};
use support::postgres::Postgres;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_errors_name_the_server_and_never_the_password() {
    let pg = Postgres::start();
    let url = pg.create("emcd").await;
    // A wrong password: the error names user, host, port and database, not the password.
    let wrong = url.replace(support::postgres::PASSWORD, "not-the-password");
    let e = Store::open_at(&emcd::store::location(&storage(&wrong)).unwrap(), false)
        .await
        .err()
        .expect("a wrong password is refused")
        .to_string();
    assert!(
        e.contains(&format!("emcd@127.0.0.1:{}/emcd", pg.port)),
        "{e}"
    );
    assert!(!e.contains("not-the-password"), "{e}");
    // A database migrated by a newer emcd is refused, naming both versions.
    let location = emcd::store::location(&storage(&url)).unwrap();
    drop(Store::open_at(&location, false).await.unwrap());
    {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&url).await.unwrap();
        sqlx::query("INSERT INTO emcd_schema (version) VALUES (99)")
            .execute(&mut c)
            .await
            .unwrap();
    }
    let e = Store::open_at(&location, false)
        .await
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("99") && e.contains("newer"), "{e}");
    // A bad URL is said without repeating it.
    let e = emcd::store::location(&storage("postgres://u:hunter2@[bad/db")).unwrap_err();
    assert!(!e.contains("hunter2"), "{e}");
}

/// PostgreSQL's cost per raw result, table and index together, for a realistic fleet
/// (1,000 checks, mostly successes): the goal is at most 64 bytes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_raw_result_costs_at_most_64_bytes() {
    let Opened {
        store,
        mut conn,
        location,
        _keep,
    } = open(Kind::Postgres).await;
    let checks: Vec<CheckReg> = (0..1000)
        .map(|i| CheckReg::new(format!("agency-{}/sys/check-{i}", i % 51), "http", 60))
        .collect();
    let m = conn.register(&checks).await.unwrap();
    let ids: Vec<i64> = checks.iter().map(|c| m[&c.full_id]).collect();
    let (handle, task) = writer::spawn(conn, WriterMetrics::new(), 4096);
    let started = std::time::Instant::now();
    let n = 200_000i64;
    for i in 0..n {
        let row = ResultRow {
            check_id: ids[(i % 1000) as usize],
            vantage: None,
            ts: 1_790_000_000 + i / 17,
            code: pack(ResultKind::Up, None, Some(200)),
            duration_ms: 20 + i % 300,
            message: None,
        };
        handle.send(row, Changes::default()).await.unwrap();
    }
    drop(handle);
    task.await.unwrap();
    // Printed, not asserted: the writer's capacity is a benchmark figure
    // (docs/BENCHMARKS.md), measured with `cargo test --release --test store_pg`.
    let rate = n as f64 / started.elapsed().as_secs_f64();
    eprintln!("PostgreSQL writer: {rate:.0} results/s (200,000 through the writer, committed)");
    assert_eq!(store.count_results().await.unwrap(), n);
    let Location::Postgres(options) = location else {
        unreachable!()
    };
    use sqlx::ConnectOptions;
    let mut c = options.connect().await.unwrap();
    sqlx::raw_sql("VACUUM ANALYZE results")
        .execute(&mut c)
        .await
        .unwrap();
    let bytes: i64 = sqlx::query_scalar(
        "SELECT sum(pg_total_relation_size(relid))::bigint FROM pg_partition_tree('results')",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    let per_row = bytes as f64 / n as f64;
    eprintln!("PostgreSQL raw results: {per_row:.1} bytes per result, table and BRIN index");
    assert!(per_row <= 64.0, "{per_row:.1} bytes per raw result");
}
