//! The cluster end to end (docs/cluster.md): a real PostgreSQL and two real `emcd`
//! processes of one vantage. They split the checks as `role::owner` says and agree on
//! one leader; a failing check alerts once; SIGKILL of the leader hands the lease to the
//! other node within the lease, which then probes every check, does not notify the
//! firing alert again and resolves it itself; a notification pending when the leader is
//! killed is delivered once by the next; a second process with a live node's id is
//! refused; a node whose config differs from the leader's is not ready.

mod support;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::time::Duration;

use support::postgres::Postgres;
use support::{eventually_or, get, sample, samples, start_target, Daemon, Hook};

const CHECKS: usize = 12;

/// A node's directory: the same config files in each (so the digests agree).
fn node_dir(root: &Path, name: &str, url: &str, target: &str, hook: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        format!(
            "storage: {{postgres: \"{url}\"}}\ncluster: {{lease: 3s}}\n\
             alerting:\n  repeat_interval: 0s\n  receivers: [{{name: ops, webhook: {{url: \"{hook}\"}}}}]\n\
             \x20 routes: [{{receiver: ops, match: {{alertname: [CheckDown]}}}}]\n\
             include: [agencies/*.yaml]\n"
        ),
    )
    .unwrap();
    let mut yaml = String::from(
        "agency: {id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}\n\
         systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n",
    );
    for i in 0..CHECKS {
        let path = if i == 0 { "dyn" } else { "ok" };
        yaml.push_str(&format!(
            "      - id: c{i}\n        interval: 1s\n        timeout: 500ms\n        failure_threshold: 2\n\
             \x20       success_threshold: 1\n        http: {{url: \"http://{target}/{path}\"}}\n"
        ));
    }
    std::fs::write(dir.join("agencies/bo-tu-phap.yaml"), yaml).unwrap();
    dir
}

fn start(dir: &Path, node: &str) -> Daemon {
    Daemon::start_args(dir, &dir.join("emcd.yaml"), &["--node", node])
}

async fn metric(d: &Daemon, name: &str) -> Option<f64> {
    let page = get(&d.addr, "/metrics").await.ok()?.1;
    sample(&samples(&page), name, &[])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_split_the_checks_and_a_killed_leader_is_replaced() {
    let pg = Postgres::start();
    let url = pg.create("emcd").await;
    let target = start_target().await;
    let hook = Hook::start(vec![]).await;
    let root = tempfile::tempdir().unwrap();
    let hook_url = format!("http://{}/", hook.addr);
    let target_addr = target.addr.to_string();
    let dir_a = node_dir(root.path(), "a", &url, &target_addr, &hook_url);
    let dir_b = node_dir(root.path(), "b", &url, &target_addr, &hook_url);
    let mut a = start(&dir_a, "node-a");
    a.wait_ready().await;
    let mut b = start(&dir_b, "node-b");
    b.wait_ready().await;

    // The split is the rendezvous one, and every check has exactly one prober.
    let nodes = vec!["node-a".to_owned(), "node-b".to_owned()];
    let ids: Vec<String> = (0..CHECKS)
        .map(|i| format!("bo-tu-phap/ho-tich/c{i}"))
        .collect();
    let want_a = ids
        .iter()
        .filter(|c| emcd::role::owner(&nodes, c) == Some("node-a"))
        .count() as f64;
    let (a_ref, b_ref) = (&a, &b);
    eventually_or(
        Duration::from_secs(20),
        "the checks split between both nodes, one leader",
        || async move {
            let split = (
                metric(a_ref, "emcd_cluster_checks_assigned").await?,
                metric(b_ref, "emcd_cluster_checks_assigned").await?,
            );
            let leaders = metric(a_ref, "emcd_cluster_leader").await?
                + metric(b_ref, "emcd_cluster_leader").await?;
            (split == (want_a, CHECKS as f64 - want_a) && leaders == 1.0).then_some(())
        },
        || format!("log a:\n{}\nlog b:\n{}", a_ref.log(), b_ref.log()),
    )
    .await;
    let a_leads = metric(&a, "emcd_cluster_leader").await == Some(1.0);

    // c0 fails: one CheckDown, from the leader, whichever node probes it.
    target.dyn_status.store(503, Ordering::SeqCst);
    let got = hook.wait_for(1, Duration::from_secs(20)).await;
    let first: serde_json::Value = got[0].json();
    assert_eq!(first["alert"]["name"], "CheckDown", "{first:#}");
    assert_eq!(first["status"], "firing");
    // Both nodes' live state says c0 is down (the feed).
    for d in [&a, &b] {
        let v: serde_json::Value = serde_json::from_str(
            &get(&d.addr, "/api/v1/checks/bo-tu-phap/ho-tich/c0")
                .await
                .unwrap()
                .1,
        )
        .unwrap();
        assert_eq!(v["state"]["status"], "down", "{v:#}");
    }

    // Once its delivery is committed (readable from the other node too), SIGKILL the
    // leader: the other leads within the lease and probes every check.
    let (a_ref, b_ref) = (&a, &b);
    eventually_or(
        Duration::from_secs(10),
        "the firing notification to be marked delivered",
        || async move {
            let page = get(&a_ref.addr, "/api/v1/notifications?state=delivered")
                .await
                .ok()?
                .1;
            let v: serde_json::Value = serde_json::from_str(&page).ok()?;
            (v["notifications"].as_array()?.len() == 1).then_some(())
        },
        || format!("log a:\n{}\nlog b:\n{}", a_ref.log(), b_ref.log()),
    )
    .await;
    let (leader, follower) = if a_leads { (&mut a, &b) } else { (&mut b, &a) };
    leader.signal("KILL");
    let _ = leader.child.wait();
    let killed_at = std::time::Instant::now();
    eventually_or(
        Duration::from_secs(20),
        "the follower to lead and probe every check",
        || async move {
            let leads = metric(follower, "emcd_cluster_leader").await? == 1.0;
            let all = metric(follower, "emcd_cluster_checks_assigned").await? == CHECKS as f64;
            (leads && all).then_some(())
        },
        || follower.log(),
    )
    .await;
    let failover = killed_at.elapsed();
    assert!(
        // cluster.lease is 3 s; the rest is this test's polling on a loaded machine.
        failover <= Duration::from_secs(8),
        "failover took {failover:?}"
    );
    eprintln!("failover in {failover:?}");

    // Recovery: resolved once, by the new leader; the firing alert was not sent again.
    target.dyn_status.store(200, Ordering::SeqCst);
    let got = hook.wait_for(2, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got_now = hook.requests();
    assert_eq!(got_now.len(), 2, "firing once, resolved once: {got:?}");
    let second: serde_json::Value = got_now[1].json();
    assert_eq!(second["status"], "resolved", "{second:#}");

    // A second process with the live node's id is refused.
    let follower_node = if a_leads { "node-b" } else { "node-a" };
    let dir_c = node_dir(root.path(), "c", &url, &target_addr, &hook_url);
    let mut c = start(&dir_c, follower_node);
    let status = tokio::task::spawn_blocking(move || {
        let s = c.child.wait().unwrap();
        (s, c)
    })
    .await
    .unwrap();
    assert!(!status.0.success());
    let log = status.1.log();
    assert!(log.contains("already running"), "{log}");

    // A node whose config differs from the leader's is not ready and says why.
    let dir_d = node_dir(root.path(), "d", &url, &target_addr, &hook_url);
    std::fs::write(
        dir_d.join("emcd.yaml"),
        std::fs::read_to_string(dir_d.join("emcd.yaml")).unwrap() + "connection: {window: 10m}\n",
    )
    .unwrap();
    let d = start(&dir_d, "node-d");
    let d_ref = &d;
    let why = eventually_or(
        Duration::from_secs(20),
        "the node with another config to say it is not ready",
        || async move {
            let (status, body) = get(&d_ref.addr, "/readyz").await.ok()?;
            (status == 503 && body.contains("config digest")).then_some(body)
        },
        || d_ref.log(),
    )
    .await;
    assert!(why.contains("differs from the leader"), "{why}");
    drop(pg);
}

/// SIGKILL a follower: the leader probes its checks within the lease, and every check
/// has results after the kill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_followers_checks_are_taken_over() {
    let pg = Postgres::start();
    let url = pg.create("emcd").await;
    let target = start_target().await;
    let hook = Hook::start(vec![]).await;
    let root = tempfile::tempdir().unwrap();
    let (hook_url, target_addr) = (format!("http://{}/", hook.addr), target.addr.to_string());
    let dir_a = node_dir(root.path(), "a", &url, &target_addr, &hook_url);
    let dir_b = node_dir(root.path(), "b", &url, &target_addr, &hook_url);
    let a = start(&dir_a, "node-a");
    a.wait_ready().await;
    let mut b = start(&dir_b, "node-b");
    b.wait_ready().await;
    let (a_ref, b_ref) = (&a, &b);
    // node-a started first and leads; both probe their share.
    eventually_or(
        Duration::from_secs(20),
        "node-a to lead and both to probe",
        || async move {
            let leads = metric(a_ref, "emcd_cluster_leader").await? == 1.0;
            let b_share = metric(b_ref, "emcd_cluster_checks_assigned").await?;
            (leads && b_share > 0.0 && b_share < CHECKS as f64).then_some(())
        },
        || format!("log a:\n{}\nlog b:\n{}", a_ref.log(), b_ref.log()),
    )
    .await;
    b.signal("KILL");
    let _ = b.child.wait();
    let killed = emcd::util::unix_now();
    eventually_or(
        Duration::from_secs(15),
        "the leader to probe every check",
        || async move {
            (metric(a_ref, "emcd_cluster_checks_assigned").await? == CHECKS as f64).then_some(())
        },
        || a_ref.log(),
    )
    .await;
    // Every check, the dead node's too, gets fresh results from the leader.
    let ids: Vec<String> = (0..CHECKS)
        .map(|i| format!("bo-tu-phap/ho-tich/c{i}"))
        .collect();
    let ids = &ids;
    eventually_or(
        Duration::from_secs(10),
        "every check to have a result after the kill",
        || async move {
            for id in ids {
                let (_, body) = get(&a_ref.addr, &format!("/api/v1/checks/{id}"))
                    .await
                    .ok()?;
                let v: serde_json::Value = serde_json::from_str(&body).ok()?;
                let at = v["last_result"]["at"].as_str()?;
                let at = chrono::DateTime::parse_from_rfc3339(at).ok()?.timestamp();
                if at <= killed + 1 {
                    return None;
                }
            }
            Some(())
        },
        || a_ref.log(),
    )
    .await;
    drop(pg);
}

/// SIGKILL the leader while a CheckDown notification is pending (its receiver answered
/// 503 with `Retry-After: 4`): the new leader delivers it, once, with the same delivery
/// id, and does not notify the firing alert again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_notification_is_delivered_once_by_the_next_leader() {
    let pg = Postgres::start();
    let url = pg.create("emcd").await;
    let target = start_target().await;
    let hook = Hook::start(vec![(503, Some("4"))]).await;
    let root = tempfile::tempdir().unwrap();
    let (hook_url, target_addr) = (format!("http://{}/", hook.addr), target.addr.to_string());
    let dir_a = node_dir(root.path(), "a", &url, &target_addr, &hook_url);
    let dir_b = node_dir(root.path(), "b", &url, &target_addr, &hook_url);
    let mut a = start(&dir_a, "node-a");
    a.wait_ready().await;
    let b = start(&dir_b, "node-b");
    b.wait_ready().await;
    let (a_ref, b_ref) = (&a, &b);
    eventually_or(
        Duration::from_secs(20),
        "node-a to lead with node-b beside it",
        || async move {
            let leads = metric(a_ref, "emcd_cluster_leader").await? == 1.0;
            let b_share = metric(b_ref, "emcd_cluster_checks_assigned").await?;
            (leads && b_share > 0.0).then_some(())
        },
        || format!("log a:\n{}\nlog b:\n{}", a_ref.log(), b_ref.log()),
    )
    .await;
    target.dyn_status.store(503, Ordering::SeqCst);
    // The first attempt is refused; the notification waits 4 s in the outbox.
    let first = hook.wait_for(1, Duration::from_secs(20)).await[0].clone();
    a.signal("KILL");
    let _ = a.child.wait();
    let got = hook.wait_for(2, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let firing: Vec<_> = hook
        .requests()
        .into_iter()
        .filter(|r| r.json()["status"] == "firing")
        .collect();
    assert_eq!(
        firing.len(),
        2,
        "one refused, one delivered: {got:?}\n{}",
        b.log()
    );
    let id = |r: &support::Received| r.headers.get("x-emcd-delivery").cloned();
    assert_eq!(id(&firing[1]), id(&first), "the same delivery, retried");
    assert!(id(&first).is_some());
    assert_eq!(metric(&b, "emcd_cluster_leader").await, Some(1.0));
    drop(pg);
}
