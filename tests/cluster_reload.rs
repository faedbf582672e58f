//! A reload in a cluster (docs/cluster.md, "Reloading"): every node reloads when told;
//! the leader adopts a new config only once every live node runs it. Told first, it
//! answers 202 naming the nodes it waits for and keeps the running config; a follower
//! told first runs the new config and is not ready until the leader adopts it too.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use support::postgres::Postgres;
use support::{eventually_or, get, request, sample, samples, start_target, Daemon};

const TOKEN: &str = "reload-t0ken";

/// The agency file with checks `c0..n`.
fn agency(n: usize, target: &str) -> String {
    let mut yaml = String::from(
        "agency: {id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}\n\
         systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n",
    );
    for i in 0..n {
        yaml.push_str(&format!(
            "      - {{id: c{i}, interval: 1s, timeout: 500ms, http: {{url: \"http://{target}/ok\"}}}}\n"
        ));
    }
    yaml
}

fn node_dir(root: &Path, name: &str, url: &str, target: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    let main = format!(
        "storage: {{postgres: \"{url}\"}}\ncluster: {{lease: 3s}}\n\
         server: {{admin_token: {TOKEN}}}\ninclude: [agencies/*.yaml]\n"
    );
    std::fs::write(dir.join("emcd.yaml"), main).unwrap();
    std::fs::write(dir.join("agencies/bo-tu-phap.yaml"), agency(1, target)).unwrap();
    dir
}

async fn reload(d: &Daemon) -> (u16, String) {
    let auth = format!("Bearer {TOKEN}");
    request(
        &d.addr,
        "POST",
        "/-/reload",
        &[("authorization", &auth)],
        b"",
    )
    .await
    .unwrap()
}

async fn has_c1(d: &Daemon) -> bool {
    let path = "/api/v1/checks/bo-tu-phap/ho-tich/c1";
    get(&d.addr, path)
        .await
        .is_ok_and(|(status, _)| status == 200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leader_adopts_a_new_config_once_every_node_runs_it() {
    let pg = Postgres::start();
    let url = pg.create("emcd").await;
    let target = start_target().await;
    let root = tempfile::tempdir().unwrap();
    let target_addr = target.addr.to_string();
    let (dir_a, dir_b) = (
        node_dir(root.path(), "a", &url, &target_addr),
        node_dir(root.path(), "b", &url, &target_addr),
    );
    let a = Daemon::start_args(&dir_a, &dir_a.join("emcd.yaml"), &["--node", "node-a"]);
    a.wait_ready().await;
    let b = Daemon::start_args(&dir_b, &dir_b.join("emcd.yaml"), &["--node", "node-b"]);
    b.wait_ready().await;
    let (a_ref, b_ref) = (&a, &b);
    let logs = || format!("log a:\n{}\nlog b:\n{}", a_ref.log(), b_ref.log());
    eventually_or(
        Duration::from_secs(20),
        "node-a to lead and see node-b",
        || async move {
            let s = samples(&get(&a_ref.addr, "/metrics").await.ok()?.1);
            let leads = sample(&s, "emcd_cluster_leader", &[])? == 1.0;
            let two = sample(&s, "emcd_cluster_nodes", &[])? == 2.0;
            (leads && two).then_some(())
        },
        logs,
    )
    .await;

    // Both nodes get a second check in their files; the leader is told first.
    for dir in [&dir_a, &dir_b] {
        std::fs::write(
            dir.join("agencies/bo-tu-phap.yaml"),
            agency(2, &target_addr),
        )
        .unwrap();
    }
    let (status, body) = reload(&a).await;
    assert_eq!(status, 202, "{body}");
    assert!(body.contains("waiting for node-b"), "{body}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(!has_c1(&a).await, "the leader kept its running config");

    // The follower runs the new config at once, and is not ready until the leader does.
    let (status, body) = reload(&b).await;
    assert_eq!(status, 200, "{body}");
    assert!(has_c1(&b).await);
    eventually_or(
        Duration::from_secs(15),
        "the leader to adopt the new config and both nodes to be ready",
        || async move {
            let ready_b = get(&b_ref.addr, "/readyz").await.ok()?.0 == 200;
            (has_c1(a_ref).await && ready_b).then_some(())
        },
        logs,
    )
    .await;
    assert!(
        a.log()
            .contains("every live node runs the new config; adopting it"),
        "{}",
        logs()
    );
    drop(pg);
}
