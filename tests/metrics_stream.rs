//! `/metrics` streamed (docs/metrics.md): a fleet whose page is many times
//! `metrics::CHUNK` is sent in chunks as it is written (`Transfer-Encoding: chunked`,
//! no `Content-Length`), and the page put together has every check's series once.

mod support;

use support::{ConfigDir, Running};

const CHECKS: usize = 3000;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_page_is_sent_in_chunks_and_is_whole() {
    let dir = ConfigDir::new("");
    let digest = "sha256:".to_owned() + &"ab".repeat(32);
    let mut yaml = String::from(
        "agency: {id: bo-a, code: A, name: Bộ A, kind: ministry}\nsystems:\n  - id: s\n    name: S\n    kind: tthc\n    checks:\n",
    );
    for i in 0..CHECKS {
        yaml.push_str(&format!(
            "      - {{id: c{i}, push: {{token: \"{digest}\", max_silence: 1h}}}}\n"
        ));
    }
    dir.agency("bo-a", &yaml);
    let d = Running::start(&dir).await;
    let r = d.fetch("/metrics").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.header("content-length"), None);
    assert!(
        r.body.len() > 20 * emcd::metrics::CHUNK,
        "{} bytes",
        r.body.len()
    );
    for i in [0, CHECKS / 2, CHECKS - 1] {
        let line = format!("emcd_check_up{{agency=\"bo-a\",system=\"s\",check=\"c{i}\"}} ");
        assert_eq!(r.body.matches(&line).count(), 1, "{line}");
    }
    let ups = r
        .body
        .lines()
        .filter(|l| l.starts_with("emcd_check_up{"))
        .count();
    assert_eq!(ups, CHECKS);
    assert!(r.body.ends_with('\n'));
    // Two scrapes at once are each whole.
    let (a, b) = tokio::join!(d.fetch("/metrics"), d.fetch("/metrics"));
    for p in [a, b] {
        let ups = p
            .body
            .lines()
            .filter(|l| l.starts_with("emcd_check_up{"))
            .count();
        assert_eq!(ups, CHECKS);
    }
    d.stop().await;
}
