//! Pushed indicators in both engines (a SQLite file and a real PostgreSQL): rows
//! appended by the writer are read back as every push of an agency (history, in the
//! order received), as the current push of each system and month (the latest received
//! replaces, the earlier stays), as each system's latest month, and counted per month;
//! all of it survives reopening the store read-only.

mod support;

use emcd::store::indicators::{Counters, IndicatorPush};
use emcd::store::Store;

use support::engines::{open_writing, Writing, BOTH};

fn push(agency: &str, system: &str, month: &str, at: i64, received: i64) -> IndicatorPush {
    IndicatorPush {
        agency: agency.into(),
        system: system.into(),
        month: month.into(),
        pushed_at: at,
        counters: Counters {
            received,
            resolved_on_time: received / 2,
            resolved_late: received / 4,
            submitted_online: received / 3,
            paid_online: received / 5,
            satisfaction: 87.5,
        },
    }
}

fn keys(rows: &[IndicatorPush]) -> Vec<(&str, &str, &str, i64)> {
    rows.iter()
        .map(|r| {
            (
                r.agency.as_str(),
                r.system.as_str(),
                r.month.as_str(),
                r.pushed_at,
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_are_appended_and_the_latest_of_a_month_is_current_in_both_engines() {
    for kind in BOTH {
        let Writing {
            store,
            handle,
            task,
            location,
            _keep,
        } = open_writing(kind).await;
        // Pushed in this order: each a transaction of one agency's systems.
        let pushes = [
            vec![
                push("a", "s1", "2026-10", 100, 10),
                push("a", "s2", "2026-10", 100, 20),
            ],
            vec![push("b", "s1", "2026-10", 150, 30)],
            vec![push("a", "s1", "2026-11", 200, 40)],
            // A later push for a month already pushed: replaces it, both are kept.
            vec![push("a", "s1", "2026-10", 300, 11)],
            vec![push("a", "s1", "2026-10", 300, 12)],
        ];
        for rows in pushes {
            handle.indicators(rows).await.unwrap();
        }
        drop(handle);
        assert_eq!(task.await.unwrap().unstored, 0, "{kind:?}");

        let history = store
            .indicator_pushes("a", "0000-01", "9999-12")
            .await
            .unwrap();
        assert_eq!(
            keys(&history),
            [
                ("a", "s1", "2026-10", 100),
                ("a", "s1", "2026-10", 300),
                ("a", "s1", "2026-10", 300),
                ("a", "s2", "2026-10", 100),
                ("a", "s1", "2026-11", 200),
            ],
            "{kind:?}"
        );
        let received: Vec<i64> = history.iter().map(|r| r.counters.received).collect();
        assert_eq!(
            received,
            [10, 11, 12, 20, 40],
            "{kind:?}: in the order received"
        );
        assert_eq!(history[0].counters, push("", "", "", 0, 10).counters);
        let october = store
            .indicator_pushes("a", "2026-10", "2026-10")
            .await
            .unwrap();
        assert_eq!(october.len(), 4, "{kind:?}");

        let current = store
            .indicators_current("2026-10", "2026-10")
            .await
            .unwrap();
        let got: Vec<_> = current
            .iter()
            .map(|r| (r.agency.as_str(), r.system.as_str(), r.counters.received))
            .collect();
        assert_eq!(
            got,
            [("a", "s1", 12), ("a", "s2", 20), ("b", "s1", 30)],
            "{kind:?}: the latest push of each system's month"
        );
        let both = store
            .indicators_current("2026-10", "2026-11")
            .await
            .unwrap();
        assert_eq!(both.len(), 4, "{kind:?}");
        assert!(store
            .indicators_current("2026-12", "2027-01")
            .await
            .unwrap()
            .is_empty());

        let latest = store.indicators_latest().await.unwrap();
        let got: Vec<_> = latest
            .iter()
            .map(|r| {
                (
                    r.agency.as_str(),
                    r.system.as_str(),
                    r.month.as_str(),
                    r.counters.received,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("a", "s1", "2026-11", 40),
                ("a", "s2", "2026-10", 20),
                ("b", "s1", "2026-10", 30),
            ],
            "{kind:?}: each system's latest month"
        );
        assert_eq!(store.indicator_count("2026-10").await.unwrap(), 5);
        assert_eq!(store.indicator_count("2026-09").await.unwrap(), 0);
        drop(store);

        let store = Store::open_read_only_at(&location).await.unwrap();
        let again = store
            .indicator_pushes("a", "0000-01", "9999-12")
            .await
            .unwrap();
        assert_eq!(again, history, "{kind:?}: kept across reopening");
    }
}
