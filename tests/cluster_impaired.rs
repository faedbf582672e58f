//! `VantageImpaired` of a follower's vantage (docs/alerts.md, docs/cluster.md): two real
//! nodes on a real PostgreSQL, each of its own vantage and loopback address; their one
//! canary answers by the client's address and fails for the follower's. The follower's
//! heartbeat says its vantage is impaired and the leader, which alone sends alerts,
//! fires one `VantageImpaired` naming that vantage, and resolves it once the canary
//! passes again.

mod support;

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::postgres::Postgres;
use support::{eventually_or, get, reply, sample, samples, serve, Daemon, Hook};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_alerts_a_followers_impaired_vantage() {
    let pg = Postgres::start();
    let url = pg.create("emcd").await;
    let failing = Arc::new(AtomicBool::new(false));
    let f = failing.clone();
    let follower_ip: IpAddr = "127.0.0.3".parse().unwrap();
    let canary = serve(move |r| {
        if f.load(Ordering::SeqCst) && r.peer == Some(follower_ip) {
            reply(503, &[], "down")
        } else {
            reply(200, &[], "ok")
        }
    })
    .await;
    let hook = Hook::start(vec![]).await;
    let root = tempfile::tempdir().unwrap();
    let mut nodes = Vec::new();
    for (name, source) in [("v2", "127.0.0.2"), ("v3", "127.0.0.3")] {
        let dir = root.path().join(name);
        std::fs::create_dir_all(dir.join("agencies")).unwrap();
        std::fs::write(
            dir.join("emcd.yaml"),
            format!(
                "storage: {{postgres: \"{url}\"}}\ncluster: {{lease: 3s}}\n\
                 probing:\n  canary_interval: 1s\n  canaries: [{{id: gw, http: {{url: \"http://{}/\"}}}}]\n\
                 alerting:\n  repeat_interval: 0s\n  receivers: [{{name: ops, webhook: {{url: \"http://{}/\"}}}}]\n\
                 \x20 routes: [{{receiver: ops}}]\n",
                canary.addr, hook.addr
            ),
        )
        .unwrap();
        let args = [
            "--node",
            name,
            "--vantage",
            name,
            "--source-address",
            source,
        ];
        let d = Daemon::start_args(&dir, &dir.join("emcd.yaml"), &args);
        d.wait_ready().await;
        nodes.push(d);
    }
    let (leader, follower) = (&nodes[0], &nodes[1]);
    let logs = || format!("leader:\n{}\nfollower:\n{}", leader.log(), follower.log());
    eventually_or(
        Duration::from_secs(20),
        "v2's node to lead with v3's beside it",
        || async move {
            let s = samples(&get(&leader.addr, "/metrics").await.ok()?.1);
            let leads = sample(&s, "emcd_cluster_leader", &[])? == 1.0;
            let v3 = sample(&s, "emcd_cluster_nodes", &["vantage=\"v3\""])? == 1.0;
            (leads && v3).then_some(())
        },
        logs,
    )
    .await;

    failing.store(true, Ordering::SeqCst);
    let got = hook.wait_for(1, Duration::from_secs(20)).await;
    let first = got[0].json();
    assert_eq!(
        first["alert"]["name"],
        "VantageImpaired",
        "{first:#}\n{}",
        logs()
    );
    assert_eq!(first["status"], "firing");
    assert!(first.to_string().contains("\"v3\""), "{first:#}");
    assert!(
        first.to_string().contains("its node v3"),
        "the leader names the node: {first:#}"
    );
    // The follower's own metric says so too; the leader's vantage is not impaired.
    let s = samples(&get(&follower.addr, "/metrics").await.unwrap().1);
    assert_eq!(
        sample(&s, "emcd_vantage_impaired", &["vantage=\"v3\""]),
        Some(1.0)
    );
    let s = samples(&get(&leader.addr, "/metrics").await.unwrap().1);
    assert_eq!(
        sample(&s, "emcd_vantage_impaired", &["vantage=\"v2\""]),
        Some(0.0)
    );

    failing.store(false, Ordering::SeqCst);
    hook.wait_for(2, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = hook.requests();
    let states: Vec<String> = got
        .iter()
        .map(|r| format!("{} {}", r.json()["alert"]["name"], r.json()["status"]))
        .collect();
    assert_eq!(
        states,
        [
            "\"VantageImpaired\" \"firing\"",
            "\"VantageImpaired\" \"resolved\""
        ],
        "{}",
        logs()
    );
    drop(nodes);
    drop(pg);
}
