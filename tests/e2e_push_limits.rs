//! End to end: the bounds of the push API against the real binary (docs/limits.md,
//! "Push API"): a long message is cut to 1 KiB, a burst of pushes is rate-limited with
//! 429 and `Retry-After`, absurd durations are refused, an oversized body is refused
//! before it is read, and wrong-token pushes do not flood the log.

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use support::{eventually_or, get, request, sample, samples, send, Daemon, Response};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CHECK: &str = "/api/v1/push/tinh-a/mot-cua/heartbeat";
const RESULTS: &str = "/api/v1/checks/tinh-a/mot-cua/heartbeat/results?limit=10000";
/// The documented rate: one push a second per check, bursts of 5.
const BURST: f64 = 5.0;
const RATE: f64 = 1.0;

fn start(dir: &Path) -> (Daemon, String) {
    let (token, digest) = emcd::token::generate();
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        "storage: {path: emcd.db}\ninclude: [agencies/*.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("agencies/tinh-a.yaml"),
        format!(
            "agency: {{id: tinh-a, code: \"01\", name: Tỉnh A, kind: province}}\n\
             systems:\n  - id: mot-cua\n    name: Một cửa\n    kind: tthc\n    checks:\n\
             \x20     - id: heartbeat\n        interval: 1m\n        push: {{token: \"{digest}\", max_silence: 10m}}\n"
        ),
    )
    .unwrap();
    let d = Daemon::start(dir, &dir.join("emcd.yaml"));
    (d, format!("Bearer {token}"))
}

/// A push: the whole answer, headers and all.
async fn post(addr: &str, auth: &str, body: &[u8]) -> Response {
    send(addr, "POST", CHECK, &[("authorization", auth)], body)
        .await
        .unwrap()
}

/// The stored results of the check once the writer has committed `n` (bounded wait).
async fn results(d: &Daemon, n: usize) -> Vec<serde_json::Value> {
    let last = std::sync::Mutex::new(Vec::new());
    let seen = &last;
    let committed = move || async move {
        let (status, body) = get(&d.addr, RESULTS).await.unwrap();
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let rows = v["results"].as_array().unwrap().clone();
        if rows.len() >= n {
            return Some(rows);
        }
        *seen.lock().unwrap() = rows;
        None
    };
    let rows = || format!("stored {:#?}", last.lock().unwrap());
    eventually_or(
        Duration::from_secs(10),
        &format!("{n} stored results"),
        committed,
        rows,
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_message_is_stored_cut_to_1_kib_and_marked() {
    let dir = tempfile::tempdir().unwrap();
    let (d, auth) = start(dir.path());
    d.wait_ready().await;
    // 65,000 bytes of three-byte characters: the cut must fall on a char boundary.
    let message = "ệ".repeat(65_000 / 3);
    let body = serde_json::json!({"status": "down", "message": message}).to_string();
    let r = post(&d.addr, &auth, body.as_bytes()).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let rows = results(&d, 1).await;
    assert_eq!(rows.len(), 1, "{rows:#?}");
    let stored = rows[0]["message"].as_str().unwrap();
    assert!(stored.len() <= 1024, "stored {} bytes", stored.len());
    assert!(stored.ends_with("… [truncated]"), "{stored}");
    assert!(stored.starts_with("ệệệ"), "{stored}");
    // A short message is stored as sent.
    let r = post(
        &d.addr,
        &auth,
        br#"{"status": "down", "message": "db down"}"#,
    )
    .await;
    assert_eq!(r.status, 202);
    let rows = results(&d, 2).await;
    assert_eq!(rows[0]["message"], "db down", "{rows:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_pushes_is_rate_limited_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let (d, auth) = start(dir.path());
    d.wait_ready().await;
    let started = Instant::now();
    let (mut accepted, mut limited) = (0u32, 0u32);
    let mut retry_after = None;
    for _ in 0..200 {
        let r = post(&d.addr, &auth, b"").await;
        match r.status {
            202 => accepted += 1,
            429 => {
                limited += 1;
                assert!(r.body.contains("\"rate_limited\""), "{}", r.body);
                retry_after = r
                    .header("retry-after")
                    .map(|v| v.trim().parse::<u64>().unwrap());
                assert!(
                    retry_after.is_some(),
                    "429 without Retry-After:\n{:?}",
                    r.headers
                );
            }
            other => panic!("push answered {other}: {}", r.body),
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    let allowed = (BURST + RATE * elapsed).ceil() as u32;
    assert!(
        accepted <= allowed,
        "{accepted} pushes accepted in {elapsed:.1} s (at most {allowed})"
    );
    assert!(
        accepted >= BURST as u32,
        "the burst is accepted: {accepted}"
    );
    assert_eq!(accepted + limited, 200);
    let wait = retry_after.unwrap();
    assert!((1..=2).contains(&wait), "Retry-After: {wait}");
    // After the advertised wait a push is accepted again.
    tokio::time::sleep(Duration::from_secs(wait)).await;
    assert_eq!(post(&d.addr, &auth, b"").await.status, 202);
    accepted += 1;

    // Only accepted pushes became rows.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let rows = results(&d, accepted as usize).await;
    assert_eq!(rows.len(), accepted as usize);
    let s = samples(&get(&d.addr, "/metrics").await.unwrap().1);
    assert_eq!(
        sample(&s, "emcd_push_requests_total", &["result=\"rate_limited\""]),
        Some(f64::from(limited))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn absurd_durations_are_refused_naming_the_field_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let (d, auth) = start(dir.path());
    d.wait_ready().await;
    for (body, quoted) in [
        (r#"{"duration_seconds": 1e300}"#, "1e300"),
        (r#"{"duration_seconds": -1}"#, "-1"),
        (r#"{"duration_seconds": -0.5}"#, "-0.5"),
        (r#"{"duration_seconds": 86401}"#, "86401"),
        (r#"{"duration_seconds": 1e400}"#, "1e400"),
        (r#"{"duration_seconds": "NaN"}"#, "NaN"),
    ] {
        let r = post(&d.addr, &auth, body.as_bytes()).await;
        let (status, answer) = (r.status, r.body);
        assert_eq!(status, 400, "{body}: {answer}");
        assert!(answer.contains("duration_seconds"), "{body}: {answer}");
        assert!(answer.contains(quoted), "{body}: {answer}");
    }
    // A full day is the longest accepted duration.
    let r = post(&d.addr, &auth, br#"{"duration_seconds": 86400}"#).await;
    assert_eq!(r.status, 202, "{}", r.body);
    let rows = results(&d, 1).await;
    assert_eq!(rows.len(), 1, "only the valid push is stored: {rows:#?}");
    assert_eq!(rows[0]["duration_seconds"], 86400.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_body_is_refused_without_being_read() {
    let dir = tempfile::tempdir().unwrap();
    let (d, auth) = start(dir.path());
    d.wait_ready().await;
    // Declares 100 MB and sends 1 KiB: the answer must not wait for the rest.
    let mut s = tokio::net::TcpStream::connect(&d.addr).await.unwrap();
    let head = format!(
        "POST {CHECK} HTTP/1.1\r\nhost: x\r\nauthorization: {auth}\r\ncontent-length: 100000000\r\n\r\n"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    s.write_all(&[b' '; 1024]).await.unwrap();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf))
        .await
        .expect("413 without reading the declared body")
        .unwrap();
    let answer = String::from_utf8_lossy(&buf[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_token_pushes_are_logged_once_a_minute_per_source() {
    let dir = tempfile::tempdir().unwrap();
    let (d, auth) = start(dir.path());
    d.wait_ready().await;
    let wrong = "Bearer emcd_wrong_token_for_the_log_test";
    for _ in 0..1000 {
        let (status, _) = request(&d.addr, "POST", CHECK, &[("authorization", wrong)], b"")
            .await
            .unwrap();
        assert_eq!(status, 401);
    }
    let s = samples(&get(&d.addr, "/metrics").await.unwrap().1);
    assert_eq!(
        sample(&s, "emcd_push_requests_total", &["result=\"unauthorized\""]),
        Some(1000.0),
        "every rejection is counted"
    );
    let log = d.log();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("push rejected"))
        .collect();
    assert!(
        (1..=2).contains(&lines.len()),
        "{} log lines for 1000 wrong-token pushes:\n{}",
        lines.len(),
        lines[..lines.len().min(5)].join("\n")
    );
    assert!(lines[0].contains("WARN"), "{}", lines[0]);
    assert!(
        lines[0].contains("127.0.0.1"),
        "names the source: {}",
        lines[0]
    );
    assert!(
        !log.contains("emcd_wrong_token"),
        "the token never appears in logs"
    );
    // A good token still works, and its push is not rate-limited by the bad ones.
    assert_eq!(post(&d.addr, &auth, b"").await.status, 202);
}
