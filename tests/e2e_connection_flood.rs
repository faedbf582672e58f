//! Hostile clients against the real binary, with its descriptor limit lowered by
//! `prlimit`: a flood of idle and half-sent connections must not take the descriptors
//! the probes need (the server caps its connections and closes slow and idle ones), and
//! a probe that fails for lack of a descriptor is `unknown` / `vantage`, never `down`.
//! Every flood is bounded in count and time, and stays on loopback.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::{get, sample, samples, start_target, Daemon};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CHECKS: usize = 10;

fn write_config(dir: &Path, target: std::net::SocketAddr, server: &str) -> PathBuf {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        format!(
            "server:\n{server}storage:\n  path: data/emcd.db\n\
             defaults:\n  interval: 1s\n  timeout: 800ms\ninclude:\n  - agencies/*.yaml\n"
        ),
    )
    .unwrap();
    let mut agency = String::from(
        "agency:\n  id: bo-tu-phap\n  code: BTP\n  name: Bộ Tư pháp\n  kind: ministry\n\
         systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n",
    );
    for i in 0..CHECKS {
        agency.push_str(&format!(
            "      - id: c{i}\n        http: {{url: \"http://{target}/ok\"}}\n"
        ));
    }
    std::fs::write(dir.join("agencies/bo-tu-phap.yaml"), agency).unwrap();
    dir.join("emcd.yaml")
}

/// Lowers the daemon's open-file limit (soft and hard) to `n`.
fn limit_descriptors(daemon: &Daemon, n: usize) {
    let ok = Command::new("prlimit")
        .arg(format!("--pid={}", daemon.child.id()))
        .arg(format!("--nofile={n}:{n}"))
        .status()
        .expect("prlimit (util-linux) runs");
    assert!(ok.success(), "prlimit failed");
}

fn open_descriptors(daemon: &Daemon) -> usize {
    std::fs::read_dir(format!("/proc/{}/fd", daemon.child.id()))
        .unwrap()
        .count()
}

/// Opens `n` connections to the daemon (at most 5 s); every other one sends half a
/// request head and then nothing.
async fn flood(addr: &str, n: usize) -> Vec<TcpStream> {
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut conns = Vec::with_capacity(n);
    for i in 0..n {
        if Instant::now() > deadline {
            break;
        }
        let Ok(Ok(mut s)) =
            tokio::time::timeout(Duration::from_secs(1), TcpStream::connect(addr)).await
        else {
            continue;
        };
        if i % 2 == 1 {
            let _ = s.write_all(b"GET /healthz HTTP/1.1\r\nx-slow: ").await;
        }
        conns.push(s);
    }
    conns
}

/// Whether the server closed `s` (EOF or reset) within `within`.
async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 512];
    loop {
        match tokio::time::timeout(within, s.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

/// Every stored result of every check: (result, error_kind, message).
async fn results(d: &Daemon) -> Vec<(String, Option<String>, Option<String>)> {
    let mut all = Vec::new();
    for i in 0..CHECKS {
        let path = format!("/api/v1/checks/bo-tu-phap/ho-tich/c{i}/results?limit=1000");
        let (status, body) = get(&d.addr, &path).await.unwrap();
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        for r in v["results"].as_array().unwrap() {
            let s = |k: &str| r[k].as_str().map(str::to_owned);
            all.push((s("result").unwrap(), s("error_kind"), s("message")));
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_is_capped_slow_and_idle_clients_are_closed_and_probes_carry_on() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    let server = "  max_connections: 40\n  header_timeout: 1s\n  idle_timeout: 2s\n";
    let config = write_config(dir.path(), target.addr, server);
    let mut daemon = Daemon::start(dir.path(), &config);
    daemon.wait_ready().await;
    // Room for the store, the runtime and the 40 connections, not for 300 more.
    limit_descriptors(&daemon, open_descriptors(&daemon) + 40 + 30);

    let mut conns = flood(&daemon.addr, 300).await;
    assert!(conns.len() >= 250, "the flood connected: {}", conns.len());
    // Half-sent heads and silent connections are closed after the header timeout; those
    // past the cap were closed at once.
    let mut closed = 0;
    for s in conns.iter_mut() {
        if closed_within(s, Duration::from_secs(5)).await {
            closed += 1;
        }
    }
    assert_eq!(closed, conns.len(), "every flood connection was closed");
    drop(conns);

    // A keep-alive connection left idle after a request is closed after idle_timeout.
    let mut s = TcpStream::connect(&daemon.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    let n = s.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    let started = Instant::now();
    assert!(closed_within(&mut s, Duration::from_secs(6)).await);
    assert!(
        started.elapsed() >= Duration::from_millis(1500),
        "not before idle_timeout"
    );

    let (_, page) = get(&daemon.addr, "/metrics").await.unwrap();
    let metrics = samples(&page);
    let rejected = sample(&metrics, "emcd_http_connections_rejected_total", &[]).unwrap();
    assert!(
        rejected >= 200.0,
        "connections past the cap counted: {rejected}"
    );
    let open = sample(&metrics, "emcd_http_connections_open", &[]).unwrap();
    assert!(
        (1.0..=3.0).contains(&open),
        "only this scrape's connection is open: {open}"
    );

    tokio::time::sleep(Duration::from_secs(2)).await;
    let all = results(&daemon).await;
    assert!(
        all.len() >= CHECKS * 3,
        "probes ran through the flood: {}",
        all.len()
    );
    let not_up: Vec<_> = all.iter().filter(|r| r.0 != "up").collect();
    assert!(
        not_up.is_empty(),
        "no probe failed for the flood: {not_up:?}"
    );
    assert!(daemon.terminate().success());
    let log = daemon.log();
    let lines = log.matches("connections refused").count();
    assert!(
        (1..=2).contains(&lines),
        "refusals logged once a minute, not per connection: {lines} lines"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_probe_without_a_descriptor_is_unknown_vantage_never_down() {
    let dir = tempfile::tempdir().unwrap();
    let target = start_target().await;
    // A cap above the descriptor limit, so the flood takes every descriptor.
    let server = "  max_connections: 10000\n  header_timeout: 4s\n";
    let config = write_config(dir.path(), target.addr, server);
    let mut daemon = Daemon::start(dir.path(), &config);
    daemon.wait_ready().await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    limit_descriptors(&daemon, open_descriptors(&daemon) + 12);

    let conns = flood(&daemon.addr, 200).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    drop(conns);
    // The half-sent heads time out and free the descriptors: probes recover.
    tokio::time::sleep(Duration::from_secs(6)).await;

    let all = results(&daemon).await;
    let down: Vec<_> = all.iter().filter(|r| r.0 == "down").collect();
    assert!(down.is_empty(), "no result booked down: {down:?}");
    let vantage: Vec<_> = all
        .iter()
        .filter(|r| r.0 == "unknown" && r.1.as_deref() == Some("vantage"))
        .collect();
    assert!(
        !vantage.is_empty(),
        "some probes found no descriptor: {all:?}"
    );
    let message = vantage[0].2.as_deref().unwrap_or_default();
    assert!(message.contains("file descriptor"), "{message}");
    // Results are listed per check, newest first: c0's newest comes first.
    assert_eq!(all[0].0, "up", "probes recover once descriptors are free");
    assert!(daemon.terminate().success(), "{}", daemon.log());
}
