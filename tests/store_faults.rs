//! Storage faults against the real binary: the database lives on a small real tmpfs
//! that the test fills and frees. Nothing may be lost silently: while the disk is full
//! results are held and `/readyz` and `/metrics` say why; once space returns every held
//! result is committed (no gap in any check's seconds); past the held bound the oldest
//! are counted as lost and logged; a shutdown with results still unstored exits non-zero.
//! Mounting needs root (CI runs as root); elsewhere these tests say so and pass.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use sqlx::Connection;
use support::{eventually, get, sample, samples, start_target, wait_metrics, Daemon};

/// A tmpfs mounted on a directory, unmounted on drop.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, size: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("SKIPPED: cannot mount a tmpfs here (needs root; CI runs as root)");
            return None;
        }
        Some(Tmpfs(dir.to_owned()))
    }

    /// Writes zeros to a file until the file system is full.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let path = self.0.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 64 * 1024];
        while f.write_all(&chunk).is_ok() {}
        let _ = f.flush();
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn write_config(dir: &Path, target: std::net::SocketAddr, checks: usize, extra: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        format!(
            "storage:\n  path: data/emcd.db\n{extra}defaults:\n  interval: 1s\n  timeout: 800ms\n\
             include:\n  - agencies/*.yaml\n"
        ),
    )
    .unwrap();
    let mut agency = String::from(
        "agency:\n  id: bo-tu-phap\n  code: BTP\n  name: Bộ Tư pháp\n  kind: ministry\n\
         systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n",
    );
    for i in 0..checks {
        agency.push_str(&format!(
            "      - id: c{i}\n        http: {{url: \"http://{target}/ok\"}}\n"
        ));
    }
    std::fs::write(dir.join("agencies/bo-tu-phap.yaml"), agency).unwrap();
    dir.join("emcd.yaml")
}

fn metric(page: &str, name: &str) -> f64 {
    sample(&samples(page), name, &[]).unwrap_or_else(|| panic!("{name} on the page"))
}

async fn readyz(d: &Daemon) -> (u16, String) {
    get(&d.addr, "/readyz").await.unwrap()
}

/// Per check, the timestamps of its stored results, oldest first.
async fn stored(db: &Path) -> Vec<Vec<i64>> {
    let url = format!("sqlite://{}?mode=ro", db.display());
    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT check_id, ts FROM results ORDER BY rowid")
        .fetch_all(&mut conn)
        .await
        .unwrap();
    let mut by_check = std::collections::BTreeMap::<i64, Vec<i64>>::new();
    for (id, ts) in rows {
        by_check.entry(id).or_default().push(ts);
    }
    by_check.into_values().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_holds_results_and_commits_every_one_when_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let Some(fs) = Tmpfs::mount(&dir.path().join("data"), "8m") else {
        return;
    };
    let target = start_target().await;
    let config = write_config(dir.path(), target.addr, 40, "");
    let mut daemon = Daemon::start(dir.path(), &config);
    daemon.wait_ready().await;
    tokio::time::sleep(Duration::from_secs(3)).await;

    let filler = fs.fill();
    let page = wait_metrics(&daemon, "the store to fail", |s| {
        sample(s, "emcd_store_failing", &[]) == Some(1.0)
    })
    .await;
    assert!(metric(&page, "emcd_store_commit_failures_total") >= 1.0);
    let (status, why) = readyz(&daemon).await;
    assert_eq!(status, 503, "{why}");
    assert!(why.contains("cannot commit"), "/readyz says why: {why}");
    tokio::time::sleep(Duration::from_secs(5)).await;
    let page = get(&daemon.addr, "/metrics").await.unwrap().1;
    assert!(
        metric(&page, "emcd_store_pending_results") >= 40.0,
        "held results are counted as pending:\n{page}"
    );

    std::fs::remove_file(&filler).unwrap();
    let page = wait_metrics(&daemon, "the store to recover", |s| {
        sample(s, "emcd_store_failing", &[]) == Some(0.0)
    })
    .await;
    assert_eq!(metric(&page, "emcd_store_results_lost_total"), 0.0);
    let ready = || async { (readyz(&daemon).await.0 == 200).then_some(()) };
    eventually(Duration::from_secs(10), "ready again after recovery", ready).await;
    // No transaction is left open: another process can take the write lock.
    let db = dir.path().join("data/emcd.db");
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::raw_sql("PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE; ROLLBACK;")
        .execute(&mut other)
        .await
        .expect("the write lock is free after recovery");
    other.close().await.unwrap();
    tokio::time::sleep(Duration::from_secs(2)).await;

    let status = daemon.terminate();
    assert!(status.success(), "clean stop; log:\n{}", daemon.log());
    let log = daemon.log();
    assert!(log.contains("the store cannot commit"), "{log}");
    assert!(log.contains("the store commits again"), "{log}");

    let checks = stored(&db).await;
    assert_eq!(checks.len(), 40);
    for ts in &checks {
        // Every second of the run has its result: the disk-full seconds too.
        let span = ts.last().unwrap() - ts.first().unwrap();
        assert!(span >= 10, "the run spans the fault: {span} s");
        let gap = ts.windows(2).map(|w| w[1] - w[0]).max().unwrap();
        assert!(
            gap <= 2,
            "a gap of {gap} s in a 1 s check: results were lost"
        );
        assert!(
            ts.len() as i64 >= span - 1,
            "{} results over {span} s",
            ts.len()
        );
    }
}

/// A store that stays unable to commit: another process holds SQLite's write lock, so
/// every commit fails with "database is locked" after the busy timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_held_bound_results_are_counted_lost_and_shutdown_fails_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let config = write_config(dir.path(), target.addr, 40, "  max_held_results: 100\n");
    let mut daemon = Daemon::start(dir.path(), &config);
    daemon.wait_ready().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let db = dir.path().join("data/emcd.db");
    let mut holder = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::raw_sql("PRAGMA busy_timeout = 5000; BEGIN IMMEDIATE;")
        .execute(&mut holder)
        .await
        .unwrap();
    let page = wait_metrics(&daemon, "results to be lost", |s| {
        sample(s, "emcd_store_results_lost_total", &[]).is_some_and(|n| n > 0.0)
    })
    .await;
    assert_eq!(metric(&page, "emcd_store_failing"), 1.0);
    let pending = metric(&page, "emcd_store_pending_results");
    assert!(pending <= 100.0 + 40.0, "held stays bounded: {pending}");
    let (status, why) = readyz(&daemon).await;
    assert_eq!(status, 503);
    assert!(why.contains("database is locked"), "{why}");
    let status = daemon.terminate();
    assert!(!status.success(), "unstored results make the exit fail");
    let log = daemon.log();
    assert!(log.contains("results lost"), "{log}");
    assert!(
        log.contains("not stored: the store could not commit"),
        "{log}"
    );
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut holder)
        .await
        .unwrap();
}
