//! The agencies the config ever had, in both engines (a SQLite file and a real
//! PostgreSQL): written through the writer at each start and reload, read back by id;
//! an agency whose file is removed keeps its stored name and is marked as left when it
//! went; one past its valid_to is marked as left when first written so; one that comes
//! back runs again.

mod support;

use emcd::store::agencies::AgencyReg;
use emcd::store::writer::{self, WriterMetrics};
use emcd::store::Store;

use support::engines::{open_writing, Writing, BOTH};

fn agency(id: &str, name: &str, live: bool) -> AgencyReg {
    AgencyReg {
        id: id.into(),
        code: "24".into(),
        name: name.into(),
        kind: "province".into(),
        league: "provinces".into(),
        valid_from: None,
        valid_to: (!live).then_some(1_751_302_800),
        successor: (!live).then(|| "bac-ninh".to_owned()),
        live,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agencies_are_kept_after_their_file_is_removed_in_both_engines() {
    for kind in BOTH {
        let Writing {
            store,
            handle,
            task,
            location,
            _keep,
        } = open_writing(kind).await;
        let first = vec![
            agency("bac-ninh", "Bắc Ninh", true),
            agency("bac-giang", "Bắc Giang", false),
            agency("ha-noi", "Hà Nội", true),
        ];
        handle.agencies(first.clone(), 100).await.unwrap();
        // ha-noi's file is removed; bac-giang is still retired (its left_at stays).
        let second = vec![first[0].clone(), first[1].clone()];
        handle.agencies(second, 200).await.unwrap();
        drop(handle);
        assert_eq!(task.await.unwrap().unstored, 0, "{kind:?}");

        let stored = store.agencies().await.unwrap();
        let by = |id: &str| stored.iter().find(|a| a.agency.id == id).unwrap().clone();
        assert_eq!(stored.len(), 3, "{kind:?}: nothing deleted");
        let hn = by("ha-noi");
        assert_eq!(
            (
                hn.agency.name.as_str(),
                hn.first_seen,
                hn.last_seen,
                hn.left_at
            ),
            ("Hà Nội", 100, 100, Some(200)),
            "{kind:?}: removed file, stored name"
        );
        let bg = by("bac-giang");
        assert_eq!(bg.agency, first[1], "{kind:?}");
        assert_eq!((bg.left_at, bg.last_seen), (Some(100), 200), "{kind:?}");
        assert_eq!(by("bac-ninh").left_at, None, "{kind:?}");
        drop(store);

        // Back in the config: it runs again.
        let (store, conn) = Store::open_at(&location, true).await.unwrap();
        let (handle, task) = writer::spawn(conn, WriterMetrics::new(), 64);
        handle
            .agencies(vec![agency("ha-noi", "Thành phố Hà Nội", true)], 300)
            .await
            .unwrap();
        drop(handle);
        task.await.unwrap();
        let stored = store.agencies().await.unwrap();
        let hn = stored.iter().find(|a| a.agency.id == "ha-noi").unwrap();
        assert_eq!(
            (hn.agency.name.as_str(), hn.left_at, hn.first_seen),
            ("Thành phố Hà Nội", None, 100),
            "{kind:?}"
        );
        let bn = stored.iter().find(|a| a.agency.id == "bac-ninh").unwrap();
        assert_eq!(bn.left_at, Some(300), "{kind:?}");
    }
}
