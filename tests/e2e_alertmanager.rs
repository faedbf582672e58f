//! End to end with a real Alertmanager (Debian `prometheus-alertmanager`) on loopback:
//! emcd's alerts reach it through `/api/v2/alerts` and it lists them; and the body of
//! emcd's `format: alertmanager` webhook has the same shape as the webhook the real
//! Alertmanager sends for the same alert.

mod support;

use std::collections::BTreeSet;
use std::process::{Command, Stdio};
use std::time::Duration;

use support::{eventually_every, eventually_or, get, start_target, Daemon, Hook};

struct Alertmanager(std::process::Child);

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn keys(v: &serde_json::Value) -> BTreeSet<String> {
    v.as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default()
}

/// A real Alertmanager on loopback whose one receiver is the webhook `hook`; waits
/// (bounded) until it is ready.
async fn start_alertmanager(
    dir: &std::path::Path,
    hook: std::net::SocketAddr,
) -> (Alertmanager, String) {
    let am_port = support::free_port();
    std::fs::write(
        dir.join("am.yml"),
        format!(
            "route:\n  receiver: hook\n  group_by: [alertname]\n  group_wait: 1s\n  group_interval: 1s\n  repeat_interval: 1h\n\
             receivers:\n  - name: hook\n    webhook_configs:\n      - url: http://{}/from-alertmanager\n        send_resolved: true\n",
            hook
        ),
    )
    .unwrap();
    let am = Command::new("prometheus-alertmanager")
        .arg(format!("--config.file={}", dir.join("am.yml").display()))
        .arg(format!("--storage.path={}", dir.join("am-data").display()))
        .arg(format!("--web.listen-address=127.0.0.1:{am_port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.join("am.log")).unwrap())
        .spawn()
        .expect("prometheus-alertmanager is installed (Debian package; .ci/run installs it)");
    let am = Alertmanager(am);
    let am_addr = format!("127.0.0.1:{am_port}");
    let addr = am_addr.as_str();
    let ready =
        move || async move { matches!(get(addr, "/-/ready").await, Ok((200, _))).then_some(()) };
    let log = || {
        let log = std::fs::read_to_string(dir.join("am.log")).unwrap_or_default();
        format!("alertmanager log:\n{log}")
    };
    eventually_or(
        Duration::from_secs(20),
        "alertmanager to be ready",
        ready,
        log,
    )
    .await;

    (am, am_addr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_reach_a_real_alertmanager_and_webhook_bodies_match_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let hook = Hook::start(vec![]).await;

    let (_am, am_addr) = start_alertmanager(dir.path(), hook.addr).await;

    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    std::fs::write(
        dir.path().join("emcd.yaml"),
        format!(
            "server: {{public_url: \"https://emc.example.gov.vn\"}}\nstorage: {{path: emcd.db}}\nalerting:\n  receivers:\n\
             \x20   - {{name: am, alertmanager: {{url: \"http://{am_addr}\"}}}}\n\
             \x20   - {{name: am-format, webhook: {{url: \"http://{}/from-emcd\", format: alertmanager}}}}\n\
             \x20 routes: [{{receiver: am, match: {{severity: [critical]}}}}, {{receiver: am-format, match: {{severity: [critical]}}}}]\ninclude: [agencies/*.yaml]\n",
            hook.addr
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("agencies/ha-noi.yaml"),
        format!(
            "agency: {{id: ha-noi, code: \"01\", name: Hà Nội, kind: city}}\nsystems:\n  - id: mot-cua\n    name: Một cửa\n    kind: tthc\n    checks:\n\
             \x20     - id: portal\n        interval: 1s\n        timeout: 500ms\n        failure_threshold: 1\n        http: {{url: \"http://{}/fail\"}}\n",
            target.addr
        ),
    )
    .unwrap();
    let d = Daemon::start(dir.path(), &dir.path().join("emcd.yaml"));
    d.wait_ready().await;

    // Alertmanager lists emcd's alert through its own API.
    let addr = am_addr.as_str();
    let first = move || async move {
        let (status, body) = get(addr, "/api/v2/alerts").await.unwrap();
        assert_eq!(status, 200);
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v.as_array().and_then(|a| a.first()).cloned()
    };
    let log = || format!("emcd log:\n{}", d.log());
    let listed = eventually_every(
        Duration::from_secs(30),
        Duration::from_millis(200),
        "alertmanager to list the alert",
        first,
        log,
    )
    .await;
    assert_eq!(listed["labels"]["alertname"], "CheckDown");
    assert_eq!(listed["labels"]["agency"], "ha-noi");
    assert_eq!(listed["labels"]["severity"], "critical");
    assert_eq!(listed["status"]["state"], "active");
    assert!(listed["annotations"]["summary"]
        .as_str()
        .unwrap()
        .contains("ha-noi/mot-cua/portal"));
    assert_eq!(
        listed["generatorURL"],
        "https://emc.example.gov.vn/agencies/ha-noi"
    );

    // Both webhooks arrive: Alertmanager's own and emcd's `format: alertmanager`.
    let both = || {
        let got = hook.requests();
        let find = |p: &str| got.iter().find(|r| r.path == p).map(|r| r.json());
        let both = find("/from-alertmanager").zip(find("/from-emcd"));
        async move { both }
    };
    let got = || format!("got {:#?}", hook.requests());
    let (theirs, ours) = eventually_every(
        Duration::from_secs(30),
        Duration::from_millis(200),
        "both webhooks",
        both,
        got,
    )
    .await;
    assert_eq!(
        keys(&ours),
        keys(&theirs),
        "top-level fields\nours: {ours:#}\ntheirs: {theirs:#}"
    );
    assert_eq!(
        keys(&ours["alerts"][0]),
        keys(&theirs["alerts"][0]),
        "alert fields"
    );
    for field in ["version", "status"] {
        assert_eq!(ours[field], theirs[field], "{field}");
    }
    assert_eq!(ours["alerts"][0]["labels"], theirs["alerts"][0]["labels"]);
    assert_eq!(
        ours["alerts"][0]["annotations"],
        theirs["alerts"][0]["annotations"]
    );
    assert_eq!(
        ours["alerts"][0]["startsAt"].as_str().map(|s| &s[..19]),
        theirs["alerts"][0]["startsAt"].as_str().map(|s| &s[..19])
    );
    assert_eq!(ours["commonLabels"], theirs["commonLabels"]);
    assert_eq!(ours["groupLabels"], theirs["groupLabels"]);
}

/// The alerts an Alertmanager lists: (alertname, updatedAt).
async fn listed(am_addr: &str) -> Vec<(String, String)> {
    let (_, body) = get(am_addr, "/api/v2/alerts").await.unwrap();
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let s = |x: &serde_json::Value| x.as_str().unwrap_or_default().to_owned();
            (s(&a["labels"]["alertname"]), s(&a["updatedAt"]))
        })
        .collect()
}

/// After a restart emcd re-sends what is still firing to Alertmanager at once (rather
/// than at its next minute's re-send, or never), so Alertmanager does not let it expire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_re_sends_firing_alerts_to_alertmanager() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let hook = Hook::start(vec![]).await;
    let (_am, am_addr) = start_alertmanager(dir.path(), hook.addr).await;
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    let main = dir.path().join("emcd.yaml");
    std::fs::write(
        &main,
        format!(
            "storage: {{path: emcd.db}}\nalerting:\n  receivers:\n\
             \x20   - {{name: am, alertmanager: {{url: \"http://{am_addr}\"}}}}\n\
             \x20 routes: [{{receiver: am}}]\ninclude: [agencies/*.yaml]\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("agencies/ha-noi.yaml"),
        format!(
            "agency: {{id: ha-noi, code: \"01\", name: Hà Nội, kind: city}}\nsystems:\n  - id: mot-cua\n    name: Một cửa\n    kind: tthc\n    checks:\n\
             \x20     - id: portal\n        interval: 1s\n        timeout: 500ms\n        failure_threshold: 1\n        http: {{url: \"http://{}/fail\"}}\n",
            target.addr
        ),
    )
    .unwrap();
    let mut d = Daemon::start(dir.path(), &main);
    d.wait_ready().await;
    let addr = am_addr.as_str();
    let some = move || async move { Some(listed(addr).await).filter(|l| !l.is_empty()) };
    let log = || format!("log:\n{}", d.log());
    let (within, step) = (Duration::from_secs(30), Duration::from_millis(200));
    let before = eventually_every(within, step, "the alert listed", some, log).await;
    assert_eq!(before[0].0, "CheckDown");
    assert!(d.terminate().success());
    tokio::time::sleep(Duration::from_secs(2)).await;

    let mut d = Daemon::start(dir.path(), &main);
    d.wait_ready().await;
    let now = std::sync::Mutex::new(Vec::new());
    let (last, before) = (&now, &before);
    let re_sent = move || async move {
        let after = listed(addr).await;
        let done = after.len() == 1 && after[0].0 == "CheckDown" && after[0].1 != before[0].1;
        *last.lock().unwrap() = after;
        done.then_some(())
    };
    let context = || {
        let now = now.lock().unwrap();
        format!("before {before:?}, now {now:?}; log:\n{}", d.log())
    };
    let within = Duration::from_secs(15);
    eventually_every(
        within,
        step,
        "the alert re-sent after the restart",
        re_sent,
        context,
    )
    .await;
    assert!(d.terminate().success());
}
