//! Vantages and quorum end to end (docs/cluster.md, "Vantages and quorum"): a real
//! PostgreSQL and three real `emcd` processes, one per vantage, each probing from its
//! own loopback address (`--source-address 127.0.0.2`, `.3`, `.4`); the target answers
//! by the client's address, so one vantage can see an outage the others do not. With a
//! quorum of 2, a failure seen by one vantage is no CheckDown and costs no
//! availability, while that vantage's own results show it; seen by two, CheckDown is
//! sent exactly once and resolved exactly once.

mod support;

use std::collections::HashSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use support::postgres::Postgres;
use support::{eventually_or, get, reply, sample, samples, serve, Daemon, Hook};

const CHECK: &str = "bo-tu-phap/ho-tich/portal";
const VANTAGES: [(&str, &str); 3] = [
    ("v2", "127.0.0.2"),
    ("v3", "127.0.0.3"),
    ("v4", "127.0.0.4"),
];

fn node_dir(root: &Path, name: &str, url: &str, target: &str, hook: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        format!(
            "storage: {{postgres: \"{url}\"}}\ncluster: {{lease: 3s}}\n\
             vantages: [{{id: v2, name: \"Hà Nội\"}}, {{id: v3}}, {{id: v4}}]\n\
             defaults: {{quorum: 2}}\n\
             alerting:\n  repeat_interval: 0s\n  receivers: [{{name: ops, webhook: {{url: \"{hook}\"}}}}]\n\
             \x20 routes: [{{receiver: ops, match: {{alertname: [CheckDown]}}}}]\n\
             include: [agencies/*.yaml]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("agencies/bo-tu-phap.yaml"),
        format!(
            "agency: {{id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}}\n\
             systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n\
             \x20     - id: portal\n        interval: 2s\n        timeout: 1s\n\
             \x20       failure_threshold: 2\n        success_threshold: 1\n\
             \x20       http: {{url: \"http://{target}/\"}}\n"
        ),
    )
    .unwrap();
    dir
}

async fn page(d: &Daemon) -> Option<std::collections::HashMap<String, f64>> {
    Some(samples(&get(&d.addr, "/metrics").await.ok()?.1))
}

async fn json(d: &Daemon, path: &str) -> serde_json::Value {
    let (status, body) = get(&d.addr, path).await.unwrap();
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap()
}

/// The check's results since `since` (unix seconds), newest first, as
/// `result (message) at time`: its timeline, or one vantage's.
async fn results(d: &Daemon, vantage: Option<&str>, since: i64) -> Vec<String> {
    let q = vantage.map_or(String::new(), |v| format!("&vantage={v}"));
    let v = json(d, &format!("/api/v1/checks/{CHECK}/results?limit=10000{q}")).await;
    assert_eq!(v["vantage"].as_str(), vantage, "{v:#}");
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            let at = chrono::DateTime::parse_from_rfc3339(r["at"].as_str().unwrap()).unwrap();
            at.timestamp() >= since
        })
        .map(|r| {
            let m = r["message"]
                .as_str()
                .map_or(String::new(), |m| format!(" ({m})"));
            format!(
                "{}{m} at {}",
                r["result"].as_str().unwrap(),
                r["at"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_vantage_of_three_is_no_outage_two_are_one() {
    let pg = Postgres::start();
    let url = pg.create("emcd").await;
    // The target fails for the client addresses in `failing`.
    let failing: Arc<Mutex<HashSet<IpAddr>>> = Arc::default();
    let f = failing.clone();
    let target = serve(move |r| {
        let bad = r.peer.is_some_and(|p| f.lock().unwrap().contains(&p));
        if bad {
            reply(503, &[], "Lỗi hệ thống")
        } else {
            reply(200, &[], "ok")
        }
    })
    .await;
    let hook = Hook::start(vec![]).await;
    let root = tempfile::tempdir().unwrap();
    let (hook_url, target_addr) = (format!("http://{}/", hook.addr), target.addr.to_string());
    let mut nodes = Vec::new();
    for (v, source) in VANTAGES {
        let dir = node_dir(root.path(), v, &url, &target_addr, &hook_url);
        let args = ["--node", v, "--vantage", v, "--source-address", source];
        let d = Daemon::start_args(&dir, &dir.join("emcd.yaml"), &args);
        d.wait_ready().await;
        nodes.push(d);
    }
    let logs = |nodes: &[Daemon]| {
        nodes
            .iter()
            .map(|d| format!("log {}:\n{}", d.dir.display(), d.log()))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (all, target) = (&nodes, &target);
    // Every vantage probes the check from its own address, one node leads.
    eventually_or(
        Duration::from_secs(20),
        "each node to probe from its vantage, one leader",
        || async move {
            let mut leaders = 0.0;
            for (d, (v, _)) in all.iter().zip(VANTAGES) {
                let s = page(d).await?;
                let by = format!("vantage=\"{v}\"");
                (sample(&s, "probe_success", &["check=\"portal\"", &by]) == Some(1.0))
                    .then_some(())?;
                (sample(&s, "emcd_cluster_checks_assigned", &[]) == Some(1.0)).then_some(())?;
                leaders += sample(&s, "emcd_cluster_leader", &[])?;
            }
            let seen: HashSet<IpAddr> = target.requests().iter().filter_map(|r| r.peer).collect();
            // The verdicts are taken from all three.
            let (_, body) = get(&all[0].addr, &format!("/api/v1/checks/{CHECK}"))
                .await
                .ok()?;
            let last: serde_json::Value = serde_json::from_str(&body).ok()?;
            let three = last["last_result"]["message"]
                .as_str()?
                .contains("of 3 vantages (v2, v3, v4)");
            (leaders == 1.0 && seen.len() == 3 && three).then_some(())
        },
        || logs(all),
    )
    .await;

    // One vantage of three sees the target fail: no outage.
    let since = emcd::util::unix_now();
    failing.lock().unwrap().insert("127.0.0.2".parse().unwrap());
    tokio::time::sleep(Duration::from_secs(8)).await;
    let own = results(&nodes[1], Some("v2"), since + 1).await;
    assert!(
        own.iter().filter(|r| r.starts_with("down")).count() >= 3,
        "v2's own results: {own:?}"
    );
    let other = results(&nodes[0], Some("v3"), since + 1).await;
    assert!(
        !other.is_empty() && other.iter().all(|r| r.starts_with("up ")),
        "v3: {other:?}"
    );
    let timeline = results(&nodes[2], None, since + 1).await;
    assert!(timeline.len() >= 3, "verdicts: {timeline:?}");
    if !timeline.iter().all(|r| r.starts_with("up ")) {
        let mut all = Vec::new();
        for v in [None, Some("v2"), Some("v3"), Some("v4")] {
            all.push(format!(
                "{v:?}: {:?}",
                results(&nodes[2], v, since - 5).await
            ));
        }
        panic!(
            "verdicts: {timeline:?}\n{}\n{}",
            all.join("\n"),
            logs(&nodes)
        );
    }
    // The leader exports the check families (docs/cluster.md, "Metrics"); every node's
    // API says the same.
    let mut leaders = 0;
    for d in &nodes {
        let s = page(d).await.unwrap();
        if sample(&s, "emcd_cluster_leader", &[]) != Some(1.0) {
            assert_eq!(sample(&s, "emcd_check_up", &[]), None, "only the leader's");
            let v = json(d, &format!("/api/v1/checks/{CHECK}")).await;
            assert_eq!(v["state"]["status"], "up", "{v:#}");
            continue;
        }
        leaders += 1;
        let up = sample(&s, "emcd_check_up", &["check=\"portal\""]);
        assert_eq!(up, Some(1.0), "{}", d.log());
        let hour = ["check=\"portal\"", "window=\"1h\""];
        assert_eq!(
            sample(&s, "emcd_check_availability_ratio", &hour),
            Some(1.0)
        );
    }
    assert_eq!(leaders, 1);
    let s = page(&nodes[0]).await.unwrap();
    assert_eq!(
        sample(&s, "probe_success", &["check=\"portal\"", "vantage=\"v2\""]),
        Some(0.0)
    );
    assert!(
        hook.requests().is_empty(),
        "no alert for one vantage: {:?}",
        hook.requests()
    );
    // A vantage that does not probe the check is not found, by name.
    let (status, body) = get(
        &nodes[0].addr,
        &format!("/api/v1/checks/{CHECK}/results?vantage=v9"),
    )
    .await
    .unwrap();
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("\\\"v9\\\" does not probe"), "{body}");

    // Two of three: CheckDown once, from the leader, naming both vantages.
    failing.lock().unwrap().insert("127.0.0.3".parse().unwrap());
    let got = hook.wait_for(1, Duration::from_secs(20)).await;
    let first = got[0].json();
    assert_eq!(first["alert"]["name"], "CheckDown", "{first:#}");
    assert_eq!(first["status"], "firing");
    let text = first.to_string();
    assert!(text.contains("v2") && text.contains("v3"), "{first:#}");
    // Every node takes the same verdicts, so every node's state says down.
    let all = &nodes;
    eventually_or(
        Duration::from_secs(10),
        "every node to say the check is down",
        || async move {
            for d in all {
                let (_, body) = get(&d.addr, &format!("/api/v1/checks/{CHECK}"))
                    .await
                    .ok()?;
                let v: serde_json::Value = serde_json::from_str(&body).ok()?;
                (v["state"]["status"] == "down").then_some(())?;
            }
            Some(())
        },
        || logs(all),
    )
    .await;
    failing.lock().unwrap().clear();
    hook.wait_for(2, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let got = hook.requests();
    let states: Vec<String> = got.iter().map(|r| r.json()["status"].to_string()).collect();
    assert_eq!(
        states,
        ["\"firing\"", "\"resolved\""],
        "once each: {states:?}\n{}",
        logs(&nodes)
    );
    drop(nodes);
    drop(pg);
}
