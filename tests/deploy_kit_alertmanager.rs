//! The example Alertmanager configuration (`deploy/alertmanager/alertmanager.yml`) in a
//! real Alertmanager (Debian `prometheus-alertmanager`) on loopback, its receivers'
//! URLs pointed at a loopback webhook: one outage is one page, because a `CheckDown`
//! inhibits the `SystemNotConnected` of the same agency and system, and only that one.

mod support;

use std::process::{Command, Stdio};
use std::time::Duration;

use support::kit::{read, repo};
use support::{eventually_every, eventually_or, get, request, Hook};

struct Alertmanager(std::process::Child);

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn alert(name: &str, system: &str, check: &str) -> serde_json::Value {
    serde_json::json!({
        "labels": {"alertname": name, "severity": "critical", "agency": "lai-chau",
                   "system": system, "check": check},
        "annotations": {"summary": format!("{name} {system}")},
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_down_inhibits_the_system_not_connected_of_its_system() {
    let dir = tempfile::tempdir().unwrap();
    let hook = Hook::start(vec![]).await;
    let shipped = read(&repo("deploy/alertmanager/alertmanager.yml"));
    assert!(shipped.contains("https://hooks.example.gov.vn/alertmanager/"));
    let local = shipped.replace(
        "https://hooks.example.gov.vn/alertmanager/",
        &format!("http://{}/", hook.addr),
    );
    std::fs::write(dir.path().join("am.yml"), local).unwrap();
    let port = support::free_port();
    let am = Command::new("prometheus-alertmanager")
        .arg(format!(
            "--config.file={}",
            dir.path().join("am.yml").display()
        ))
        .arg(format!(
            "--storage.path={}",
            dir.path().join("data").display()
        ))
        .arg(format!("--web.listen-address=127.0.0.1:{port}"))
        .arg("--cluster.listen-address=")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(dir.path().join("am.log")).unwrap())
        .spawn()
        .expect("prometheus-alertmanager is installed (Debian package; .ci/run installs it)");
    let _am = Alertmanager(am);
    let addr = format!("127.0.0.1:{port}");
    let a = addr.as_str();
    let log = || std::fs::read_to_string(dir.path().join("am.log")).unwrap_or_default();
    let ready =
        move || async move { matches!(get(a, "/-/ready").await, Ok((200, _))).then_some(()) };
    eventually_or(
        Duration::from_secs(20),
        "alertmanager to be ready",
        ready,
        log,
    )
    .await;

    // Lai Châu's one-stop system is down: its check pages, and the system is not
    // connected; its civil-registry system is not connected on its own.
    let alerts = serde_json::json!([
        alert("CheckDown", "mot-cua", "api"),
        alert("SystemNotConnected", "mot-cua", ""),
        alert("SystemNotConnected", "ho-tich", ""),
    ]);
    let body = alerts.to_string();
    let json = [("content-type", "application/json")];
    let (status, text) = request(a, "POST", "/api/v2/alerts", &json, body.as_bytes())
        .await
        .unwrap();
    assert_eq!(status, 200, "{text}");

    let states = move || async move {
        let (_, body) = get(a, "/api/v2/alerts").await.ok()?;
        let listed: serde_json::Value = serde_json::from_str(&body).ok()?;
        let state = |name: &str, system: &str| {
            listed.as_array()?.iter().find_map(|x| {
                let l = &x["labels"];
                (l["alertname"] == name && l["system"] == system)
                    .then(|| x["status"]["state"].as_str().unwrap_or("").to_owned())
            })
        };
        let got = [
            state("CheckDown", "mot-cua")?,
            state("SystemNotConnected", "mot-cua")?,
            state("SystemNotConnected", "ho-tich")?,
        ];
        (got[1] != "unprocessed" && got[2] != "unprocessed").then_some(got)
    };
    let got = eventually_every(
        Duration::from_secs(20),
        Duration::from_millis(200),
        "alertmanager to decide the inhibitions",
        states,
        log,
    )
    .await;
    assert_eq!(got, ["active", "suppressed", "active"]);
    // The page: noc-critical gets the CheckDown and ho-tich's alert, never mot-cua's.
    let pages = hook.wait_for(1, Duration::from_secs(20)).await;
    for page in &pages {
        let v = page.json();
        for alert in v["alerts"].as_array().unwrap() {
            let l = &alert["labels"];
            assert!(
                !(l["alertname"] == "SystemNotConnected" && l["system"] == "mot-cua"),
                "inhibited alert sent: {v}"
            );
        }
    }
}
