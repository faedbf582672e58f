//! Ad-hoc maintenance windows in both engines (a SQLite file and a real PostgreSQL):
//! declared and ended through the writer, read back with their match, reason and who
//! declared and ended them; a window ended early or over is no longer listed.

mod support;

use emcd::store::maintenance::{Change, Window};

use support::engines::{open_writing, Writing, BOTH};

fn window(id: &str, starts_at: i64, ends_at: i64) -> Window {
    Window {
        id: id.into(),
        agency: vec!["bo-tu-phap".into(), "ha-noi".into()],
        system: vec![],
        check: vec!["api".into()],
        starts_at,
        ends_at,
        reason: "Nâng cấp máy chủ".into(),
        created_by: "admin".into(),
        created_at: 100,
        ended_by: None,
        ended_at: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn windows_are_declared_ended_and_read_back_in_both_engines() {
    for kind in BOTH {
        let Writing {
            store,
            handle,
            task,
            _keep,
            ..
        } = open_writing(kind).await;
        let (a, b, old) = (
            window("m-a", 1000, 5000),
            window("m-b", 2000, 9000),
            window("m-old", 100, 500),
        );
        for w in [&a, &b, &old] {
            handle
                .maintenance(Change::Declare(w.clone()))
                .await
                .unwrap();
        }
        let listed = store.maintenance_windows(600).await.unwrap();
        assert_eq!(
            listed,
            vec![a.clone(), b.clone()],
            "{kind:?}: by start, the old one over"
        );
        assert!(a.covers(1000) && !a.covers(5000) && a.matches("ha-noi", "x", "api"));
        assert!(!a.matches("ha-noi", "x", "web"));

        let end = Change::End {
            id: "m-a".into(),
            at: 3000,
            by: "admin".into(),
        };
        handle.maintenance(end).await.unwrap();
        let listed = store.maintenance_windows(2500).await.unwrap();
        let ended = listed.iter().find(|w| w.id == "m-a").unwrap();
        assert_eq!(
            (ended.ended_at, ended.ended_by.as_deref(), ended.end()),
            (Some(3000), Some("admin"), 3000),
            "{kind:?}"
        );
        let listed = store.maintenance_windows(3500).await.unwrap();
        assert_eq!(
            listed,
            vec![b.clone()],
            "{kind:?}: ended early, no longer listed"
        );
        drop(handle);
        assert_eq!(task.await.unwrap().unstored, 0, "{kind:?}");
    }
}
