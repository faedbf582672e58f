//! Retention at its bounds (docs/limits.md, "Durations"), through the housekeeping pass
//! the daemon runs: the longest allowed retention (100y) deletes no row, and a longer one
//! in a config built without validation (up to `Duration::MAX`) saturates to "keep
//! everything" instead of wrapping into a cutoff in the future that deletes everything.

use std::sync::Arc;
use std::time::Duration;

use emcd::config::{Config, Retention};
use emcd::fleet::{Fleet, FleetHandle};
use emcd::housekeeping::Housekeeper;
use emcd::store::rollups::Grain;
use emcd::store::{writer, Store};

const START: i64 = 1_790_812_800; // 2026-10-01T00:00:00Z, the fixture's first day
const ROWS: i64 = 2 * 48 * 60; // two checks, one result a minute for 48 hours

fn config(dir: &std::path::Path) -> Config {
    let db = dir.join("emcd.db");
    std::fs::copy("tests/fixtures/db/emcd-v2.db", &db).unwrap();
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        format!(
            "storage:\n  path: \"{}\"\n  retention: {{raw: 100y, hourly: 100y, daily: 100y}}\n\
             sla: {{timezone: UTC}}\ninclude: [agencies/*.yaml]\n",
            db.display()
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("agencies/tinh-a.yaml"),
        "agency: {id: tinh-a, code: \"01\", name: Tỉnh A, kind: province}\nsystems:\n  - id: mot-cua\n    name: Một cửa\n    kind: tthc\n    checks:\n\
         \x20     - {id: api, interval: 60s, http: {url: \"http://127.0.0.1:9/\"}}\n\
         \x20     - {id: web, interval: 60s, http: {url: \"http://127.0.0.1:9/\"}}\n",
    )
    .unwrap();
    emcd::config::load(&dir.join("emcd.yaml")).unwrap()
}

/// Rows kept: (raw results, hourly rollups, daily rollups).
async fn kept(store: &Store) -> (i64, usize, usize) {
    (
        store.count_results().await.unwrap(),
        store
            .rollups(Grain::Hourly, i64::MIN, i64::MAX)
            .await
            .unwrap()
            .len(),
        store
            .rollups(Grain::Daily, i64::MIN, i64::MAX)
            .await
            .unwrap()
            .len(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_longest_retention_deletes_nothing_and_longer_ones_saturate() {
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path());
    assert_eq!(
        config.storage.retention.raw,
        Duration::from_secs(3_155_760_000),
        "100y as humantime counts it"
    );
    let (store, conn) = Store::open(&config.storage.path).await.unwrap();
    let ids = store.check_ids().await.unwrap();
    let fleet = FleetHandle::new(Fleet::build(Arc::new(config.clone()), &ids));
    let metrics = Arc::new(emcd::metrics::Metrics::new(fleet.clone()));
    let (w, task) = writer::spawn(conn, metrics.writer.clone(), 64);
    let base = Housekeeper {
        store: Arc::new(store),
        writer: w,
        fleet,
        metrics,
        role: emcd::role::Role::single("local", "local"),
    };
    assert!(base.rollup_pass(START + 50 * 3600).await.unwrap() >= 48);
    let all = kept(&base.store).await;
    assert_eq!(all.0, ROWS);
    assert!(all.1 >= 96 && all.2 >= 2, "rollups built: {all:?}");

    // With retention as configured, and then as long as a `Duration` holds: every row
    // stays.
    let longer = [
        humantime::parse_duration("500000000000y").unwrap(),
        Duration::from_secs(1u64 << 63),
        Duration::from_secs(u64::MAX),
        Duration::MAX,
    ];
    let now = emcd::util::unix_now();
    for d in std::iter::once(None).chain(longer.map(Some)) {
        let mut c = config.clone();
        if let Some(d) = d {
            c.storage.retention = Retention {
                raw: d,
                hourly: d,
                daily: d,
            };
        }
        let hk = Housekeeper {
            fleet: FleetHandle::new(Fleet::build(Arc::new(c), &ids)),
            ..base.clone()
        };
        hk.retention_pass(now).await.unwrap();
        assert_eq!(kept(&hk.store).await, all, "retention {d:?} deleted rows");
    }

    // The same pass with a day of raw retention, 26 hours after the data ends: it does
    // delete (so the passes above had something to delete).
    let mut c = config.clone();
    c.storage.retention.raw = Duration::from_secs(86_400);
    let hk = Housekeeper {
        fleet: FleetHandle::new(Fleet::build(Arc::new(c), &ids)),
        ..base.clone()
    };
    hk.retention_pass(START + 50 * 3600).await.unwrap();
    let after = kept(&hk.store).await;
    assert!(
        after.0 > 0 && after.0 < ROWS && (after.1, after.2) == (all.1, all.2),
        "a day of raw retention keeps the last day of raw results only: {after:?}"
    );
    drop((hk, base));
    task.await.unwrap();
}
