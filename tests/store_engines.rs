//! The store's typed methods against both engines: a SQLite file and a real PostgreSQL
//! (Debian's package, started by the test on a free loopback port). The same writes
//! and reads, the same answers: batches and time ranges, reopening, what a result
//! changes beside its row (incident, certificate expiry, alert and outbox), delivery
//! outcomes, rollups and cursors, retention.

mod support;

use emcd::alert_vocab::{Delivery, Status};
use emcd::result::{ErrorKind, ResultKind};
use emcd::sla::rollup::Rollup;
use emcd::store::alerts::DeliveryUpdate;
use emcd::store::retention::Cutoffs;
use emcd::store::rollups::Grain;
use emcd::store::writer::{self, Changes, CheckReg, Incident, WriterMetrics};
use emcd::store::Store;

use support::engines::{alert_write, open, row, Opened, BOTH};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batched_writes_are_read_back_by_time_range() {
    for kind in BOTH {
        let Opened {
            store,
            mut conn,
            _keep,
            ..
        } = open(kind).await;
        let checks: Vec<CheckReg> = (0..50)
            .map(|i| CheckReg::new(format!("a/s/c{i}"), "http", 10))
            .collect();
        let ids = conn.register(&checks).await.unwrap();
        assert_eq!(ids.len(), 50, "{kind:?}");
        let (handle, task) = writer::spawn(conn, WriterMetrics::new(), 1024);
        // 50 checks, one result each every 10 s, over 100 minutes, across a UTC
        // midnight (two partitions in PostgreSQL).
        let t0 = 1_790_035_200 - 3000;
        let mut sent = 0;
        for step in 0..600 {
            for c in 0..50 {
                let id = ids[&format!("a/s/c{c}")];
                handle
                    .send(row(id, t0 + step * 10, step), Changes::default())
                    .await
                    .unwrap();
                sent += 1;
            }
        }
        let again = handle
            .register(vec![
                CheckReg::new("a/s/c0", "http", 10),
                CheckReg::new("a/s/new", "tcp", 10),
            ])
            .await
            .unwrap();
        assert_eq!(again["a/s/c0"], ids["a/s/c0"], "{kind:?}");
        drop(handle);
        assert_eq!(task.await.unwrap().unstored, 0);
        assert_eq!(store.count_results().await.unwrap(), sent, "{kind:?}");

        let c7 = ids["a/s/c7"];
        let newest = store.results(c7, None, None, 5).await.unwrap();
        assert_eq!(newest.len(), 5, "{kind:?}");
        assert_eq!(newest[0].ts, t0 + 599 * 10, "{kind:?}: newest first");
        assert!(newest.windows(2).all(|w| w[0].seq > w[1].seq), "{kind:?}");
        let (from, to) = (t0 + 2900, t0 + 3199);
        let window = store
            .results(c7, Some(from), Some(to), 10_000)
            .await
            .unwrap();
        assert_eq!(window.len(), 30, "{kind:?}: a window across midnight");
        let down = window
            .iter()
            .find(|r| r.result == ResultKind::Down)
            .unwrap();
        assert_eq!(
            (down.error, down.status_code, down.message.as_deref()),
            (
                Some(ErrorKind::Status),
                Some(503),
                Some("status 503 not in 200-399")
            ),
            "{kind:?}"
        );
        let samples = store.samples(&[c7, ids["a/s/c8"]], from, to).await.unwrap();
        assert_eq!(samples.len(), 60, "{kind:?}");
        assert!(samples.windows(2).all(|w| w[0].ts <= w[1].ts), "{kind:?}");
        let recent = store.recent(from, to).await.unwrap();
        assert_eq!(recent.len(), 30 * 50, "{kind:?}");
        let mut scanned = 0;
        store
            .scan_results(from, to + 1, |_, _| scanned += 1)
            .await
            .unwrap();
        assert_eq!(scanned, 30 * 50, "{kind:?}");
        assert_eq!(store.first_result_ts().await.unwrap(), Some(t0), "{kind:?}");
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
        assert_eq!(
            store.check_info().await.unwrap()[&c7],
            ("a/s/c7".to_owned(), 10)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopening_keeps_data_and_schema() {
    for kind in BOTH {
        let Opened {
            mut conn,
            location,
            _keep,
            ..
        } = open(kind).await;
        let ids = conn
            .register(&[CheckReg::new("a/s/c", "http", 60)])
            .await
            .unwrap();
        let (h, task) = writer::spawn(conn, WriterMetrics::new(), 16);
        h.send(row(ids["a/s/c"], 1_790_000_000, 1), Changes::default())
            .await
            .unwrap();
        drop(h);
        task.await.unwrap();
        let (store, mut conn) = Store::open_at(&location, true).await.unwrap();
        let again = conn
            .register(&[CheckReg::new("a/s/c", "http", 60)])
            .await
            .unwrap();
        assert_eq!(again, ids, "{kind:?}");
        assert_eq!(
            store
                .results(ids["a/s/c"], None, None, 10)
                .await
                .unwrap()
                .len(),
            1
        );
        let read_only = Store::open_read_only_at(&location).await.unwrap();
        assert_eq!(read_only.count_results().await.unwrap(), 1, "{kind:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_deliveries_rollups_and_retention() {
    for kind in BOTH {
        let Opened {
            store,
            mut conn,
            _keep,
            ..
        } = open(kind).await;
        let ids = conn
            .register(&[CheckReg::new("a/s/c", "http", 60)])
            .await
            .unwrap();
        let id = ids["a/s/c"];
        let notified = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let settings = writer::Settings {
            notify: Some(writer::Notify({
                let n = notified.clone();
                std::sync::Arc::new(move |x| n.lock().unwrap().extend(x))
            })),
            ..writer::Settings::new(64)
        };
        let (h, task) = writer::spawn_with(conn, WriterMetrics::new(), settings);
        let at = 1_790_000_000;
        let changes = Changes {
            incident: Some(Incident {
                check_id: id,
                down: true,
                at,
            }),
            cert_expiry: Some((id, at + 86_400)),
            alerts: vec![alert_write("c", Status::Firing, at)],
            ..Changes::default()
        };
        h.send(row(id, at, 7), changes).await.unwrap();
        let resolved = Changes {
            incident: Some(Incident {
                check_id: id,
                down: false,
                at: at + 60,
            }),
            alerts: vec![alert_write("c", Status::Resolved, at + 60)],
            ..Changes::default()
        };
        h.send(row(id, at + 60, 1), resolved).await.unwrap();
        // A rollup and the cursor that goes with it.
        let mut r = Rollup::default();
        r.counts[0] = 3;
        r.seconds.up = 120.0;
        r.lat_sum_ms = 60;
        r.lat_count = 3;
        h.rollups(
            Grain::Hourly,
            vec![(id, at - at % 3600, r.clone())],
            "rollup_hourly",
            at,
        )
        .await
        .unwrap();
        let pending = store.pending_notifications().await.unwrap();
        assert_eq!(pending.len(), 2, "{kind:?}");
        assert_eq!(*notified.lock().unwrap(), pending, "{kind:?}");
        // A delivery outcome is committed with the next batch.
        h.delivery(DeliveryUpdate {
            id: pending[0].id,
            state: Delivery::Delivered,
            attempts: 1,
            next_attempt_at: at + 1,
            last_error: None,
            delivered_at: Some(at + 1),
        })
        .await
        .unwrap();
        h.send(row(id, at + 120, 1), Changes::default())
            .await
            .unwrap();
        // Retention keeps nothing older than a day after `at`: the raw rows go.
        h.retention(Cutoffs {
            raw_from: at + 86_400,
            hourly_from: 0,
            daily_from: 0,
        })
        .await
        .unwrap();
        drop(h);
        assert_eq!(task.await.unwrap().unstored, 0);

        assert_eq!(
            store.incidents(0, i64::MAX).await.unwrap(),
            [(id, at, Some(at + 60))]
        );
        assert_eq!(store.cert_expiries().await.unwrap()[&id], at + 86_400);
        let alerts = store.alerts(false).await.unwrap();
        assert_eq!(alerts.len(), 1, "{kind:?}");
        assert_eq!(
            (alerts[0].state, alerts[0].ends_at),
            (Status::Resolved, Some(at + 60))
        );
        assert!(store.alerts(true).await.unwrap().is_empty());
        let delivered = store.notifications(Some("delivered"), 10).await.unwrap();
        assert_eq!(delivered.len(), 1, "{kind:?}");
        assert_eq!(delivered[0].delivered_at, Some(at + 1));
        assert_eq!(store.notifications(None, 10).await.unwrap().len(), 2);
        let rolled = store
            .check_rollup(Grain::Hourly, id, 0, i64::MAX)
            .await
            .unwrap();
        assert_eq!(rolled, r, "{kind:?}");
        assert_eq!(
            store
                .rollups(Grain::Hourly, 0, i64::MAX)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            store
                .housekeeping("rollup_hourly")
                .await
                .unwrap()
                .map(|c| c.0),
            Some(at)
        );
        assert!(
            store.housekeeping("retention").await.unwrap().is_some(),
            "{kind:?}"
        );
        assert_eq!(
            store.count_results().await.unwrap(),
            0,
            "{kind:?}: retention"
        );
    }
}

/// A check of several vantages (docs/cluster.md): each vantage's rows carry its id and
/// stay out of the timeline (its verdicts): the results route, SLA samples and rollups
/// read the timeline; `results_of` reads one vantage; the feed and restart read both.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_vantages_results_are_kept_apart_from_the_timeline() {
    for kind in BOTH {
        let Opened {
            store,
            mut conn,
            _keep,
            ..
        } = open(kind).await;
        let ids = conn
            .register(&[CheckReg::new("a/s/c", "http", 10)])
            .await
            .unwrap();
        let id = ids["a/s/c"];
        let (handle, task) = writer::spawn(conn, WriterMetrics::new(), 64);
        let t0 = 1_790_035_200;
        for i in 0..10 {
            for vantage in [Some("v1"), Some("v2"), None] {
                let mut r = row(id, t0 + i, i);
                r.vantage = vantage.map(Into::into);
                handle.send(r, Changes::default()).await.unwrap();
            }
        }
        drop(handle);
        assert_eq!(task.await.unwrap().unstored, 0);
        let timeline = store.results(id, None, None, 100).await.unwrap();
        assert_eq!(timeline.len(), 10, "{kind:?}");
        assert!(timeline.iter().all(|r| r.vantage.is_none()), "{kind:?}");
        let v1 = store
            .results_of(id, Some("v1"), None, None, 100)
            .await
            .unwrap();
        assert_eq!(v1.len(), 10, "{kind:?}");
        assert!(v1.iter().all(|r| r.vantage.as_deref() == Some("v1")));
        let samples = store.samples(&[id], t0, t0 + 100).await.unwrap();
        assert_eq!(samples.len(), 10, "SLA reads verdicts only: {kind:?}");
        let recent = store.recent(t0, t0 + 100).await.unwrap();
        assert_eq!(recent.len(), 30, "{kind:?}");
        assert!(recent.iter().all(|(c, _)| *c == id), "{kind:?}");
        let mut scanned = 0;
        store
            .scan_results(t0, t0 + 100, |_, _| scanned += 1)
            .await
            .unwrap();
        assert_eq!(scanned, 10, "rollups read verdicts only: {kind:?}");
    }
}
