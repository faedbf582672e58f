//! The mandate's history in both engines (a SQLite file and a real PostgreSQL): changes
//! committed by the writer with a batch are read back as the standing in force at the
//! start of a range and the changes within it; a change at the same second replaces the
//! earlier; the last standing of each system survives reopening the store.

mod support;

use std::sync::Arc;

use emcd::store::writer::{Changes, ConnectionChange};
use emcd::store::Store;

use support::engines::{open_writing, Writing, BOTH};

fn change(agency: &str, system: &str, at: i64, connected: bool) -> ConnectionChange {
    ConnectionChange {
        agency: Arc::from(agency),
        system: Arc::from(system),
        at,
        connected,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_changes_are_read_back_by_range_in_both_engines() {
    for kind in BOTH {
        let Writing {
            store,
            handle,
            task,
            location,
            _keep,
        } = open_writing(kind).await;
        let batches = [
            vec![change("a", "s1", 100, false), change("b", "s1", 150, true)],
            vec![change("a", "s1", 200, true)],
            vec![change("a", "s1", 500, false), change("a", "s2", 600, true)],
            // The same second again: replaces, does not add.
            vec![change("a", "s2", 600, false), change("a", "s1", 900, true)],
        ];
        for connection in batches {
            let changes = Changes {
                connection,
                ..Changes::default()
            };
            handle.changes(changes).await.unwrap();
        }
        drop(handle);
        assert_eq!(task.await.unwrap().unstored, 0, "{kind:?}");

        let h = store.connection_history(300, 800).await.unwrap();
        let key = |a: &str, s: &str| (a.to_owned(), s.to_owned());
        assert_eq!(h[&key("a", "s1")], [(200, true), (500, false)], "{kind:?}");
        assert_eq!(h[&key("a", "s2")], [(600, false)], "{kind:?}");
        assert_eq!(h[&key("b", "s1")], [(150, true)], "{kind:?}");
        let h = store.connection_history(0, 100).await.unwrap();
        assert!(
            h.is_empty(),
            "nothing before the first change: {h:?} ({kind:?})"
        );
        let h = store.connection_history(200, 201).await.unwrap();
        assert_eq!(h[&key("a", "s1")], [(200, true)], "{kind:?}");
        drop(store);

        let store = Store::open_read_only_at(&location).await.unwrap();
        let now = store.connection_now().await.unwrap();
        assert_eq!(now.len(), 3, "{kind:?}");
        assert_eq!(now[&key("a", "s1")], (900, true), "{kind:?}");
        assert_eq!(now[&key("a", "s2")], (600, false), "{kind:?}");
    }
}
