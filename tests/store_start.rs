//! What `emcd run` does with the database file at start, with the real binary: a second
//! daemon on the same database is refused (naming the file and the holder's pid); a
//! corrupt file is refused with how to recover, unless told to carry on; a file from a
//! newer emcd is refused before anything writes to it; an empty file is said to be
//! taken as a new database.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use emcd::store::writer::{self, ResultRow, WriterMetrics};
use emcd::store::Store;
use sqlx::Connection;
use support::{start_target, Daemon};

fn write_config(dir: &Path, target: std::net::SocketAddr) -> PathBuf {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        "storage:\n  path: data/emcd.db\ndefaults:\n  interval: 1s\n  timeout: 800ms\ninclude:\n  - agencies/*.yaml\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("agencies/bo-tu-phap.yaml"),
        format!(
            "agency:\n  id: bo-tu-phap\n  code: BTP\n  name: Bộ Tư pháp\n  kind: ministry\n\
             systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n\
             \x20     - id: web\n        http: {{url: \"http://{target}/ok\"}}\n"
        ),
    )
    .unwrap();
    dir.join("emcd.yaml")
}

/// Runs `emcd run` expecting it to exit by itself (bounded); returns (success, output).
fn run_to_exit(dir: &Path, config: &Path, extra: &[&str]) -> (bool, String) {
    let out = Command::new("timeout")
        .arg("20")
        .arg(env!("CARGO_BIN_EXE_emcd"))
        .args(["run", "--config"])
        .arg(config)
        .args(["--listen", &format!("127.0.0.1:{}", support::free_port())])
        .args(extra)
        .current_dir(dir)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_daemon_on_the_same_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let config = write_config(dir.path(), target.addr);
    let first = Daemon::start(dir.path(), &config);
    first.wait_ready().await;
    let (ok, out) = run_to_exit(dir.path(), &config, &[]);
    assert!(!ok, "the second daemon must not run:\n{out}");
    assert!(out.contains("data/emcd.db"), "names the database: {out}");
    assert!(
        out.contains(&format!("pid {}", first.child.id())),
        "names the holder's pid: {out}"
    );
    assert!(out.contains("emcd.db.lock"), "names the lock file: {out}");
}

/// A database of 20,000 results written by the real writer.
async fn filled_database(path: &Path) {
    let (_store, mut conn) = Store::open(path).await.unwrap();
    let ids = writer::register(&mut conn, &[writer::CheckReg::new("a/s/c", "http", 1)])
        .await
        .unwrap();
    let (w, task) = writer::spawn(conn, WriterMetrics::new(), 1024);
    for i in 0..20_000 {
        let row = ResultRow {
            check_id: ids["a/s/c"],
            vantage: None,
            ts: 1_780_000_000 + i,
            code: 0,
            duration_ms: 12,
            message: (i % 7 == 0).then(|| "a failure message".into()),
        };
        w.send(row, Default::default()).await.unwrap();
    }
    drop(w);
    assert_eq!(task.await.unwrap().unstored, 0);
    // Everything in the main file, so the damage below hits live pages.
    let url = format!("sqlite://{}", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
}

fn digest(bytes: &[u8]) -> String {
    emcd::token::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_database_is_refused_with_how_to_recover() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let config = write_config(dir.path(), target.addr);
    let db = dir.path().join("data/emcd.db");
    filled_database(&db).await;
    // 4 KiB of pseudo-random bytes over a page in the middle of the file.
    let mut bytes = std::fs::read(&db).unwrap();
    let page = 4096 * (bytes.len() / 4096 / 2);
    let mut x: u32 = 0x2545_f491;
    for b in &mut bytes[page..page + 4096] {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        *b = x as u8;
    }
    std::fs::write(&db, &bytes).unwrap();

    let (ok, out) = run_to_exit(dir.path(), &config, &[]);
    assert!(!ok, "a corrupt database must be refused:\n{out}");
    let line = out
        .lines()
        .find(|l| l.contains("is corrupt"))
        .unwrap_or_else(|| panic!("says the file is corrupt: {out}"));
    assert!(line.contains("data/emcd.db"), "{line}");
    assert!(line.contains(".recover"), "says how to recover: {line}");
    assert!(line.contains("--ignore-corruption"), "{line}");
    assert!(
        digest(&std::fs::read(&db).unwrap()) == digest(&bytes),
        "the file is left as it was"
    );

    // Told to carry on, it starts (and serves) on the damaged file.
    let mut daemon = Daemon::start_args(dir.path(), &config, &["--ignore-corruption"]);
    daemon.wait_ready().await;
    daemon.terminate();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_from_a_newer_emcd_is_refused_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let config = write_config(dir.path(), target.addr);
    let db = dir.path().join("data/emcd.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    {
        let url = format!("sqlite://{}?mode=rwc", db.display());
        let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
        sqlx::raw_sql("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .execute(&mut conn)
            .await
            .unwrap();
        conn.close().await.unwrap();
    }
    let before = digest(&std::fs::read(&db).unwrap());
    let (ok, out) = run_to_exit(dir.path(), &config, &[]);
    assert!(!ok, "{out}");
    assert!(out.contains("schema version 99"), "{out}");
    assert!(out.contains("data/emcd.db"), "{out}");
    assert!(
        digest(&std::fs::read(&db).unwrap()) == before,
        "not vacuumed or migrated"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_file_is_said_to_start_a_new_database() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let config = write_config(dir.path(), target.addr);
    let db = dir.path().join("data/emcd.db");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    std::fs::write(&db, b"").unwrap();
    let mut daemon = Daemon::start(dir.path(), &config);
    daemon.wait_ready().await;
    assert!(daemon.terminate().success());
    assert!(
        daemon.log().contains("the database file is empty"),
        "{}",
        daemon.log()
    );
}
