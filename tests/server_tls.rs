//! HTTPS on emcd's own listener (`server.tls`, docs/configuration.md) against the real
//! binary, with a CA and certificates the test makes: health, `/metrics` (gzipped when
//! asked, identical once decoded) and an authenticated push over TLS; plain HTTP on the
//! port refused; a new certificate taken on SIGHUP by new connections; a broken one
//! rejected with an error naming the file, the old one still served. Config errors of
//! `server.tls` name the key, the file and why.

mod support;

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use emcd::config;
use support::{eventually_or, samples, send_tls, Ca, Daemon, Leaf, TlsResponse};

const CHECK: &str = "/api/v1/push/tinh-a/mot-cua/heartbeat";

fn write_config(dir: &Path, digest: &str) {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        "server:\n  admin_token: \"${EMCD_ADMIN_TOKEN}\"\n  tls: {cert_file: tls/emcd.crt, key_file: tls/emcd.key}\n\
         storage: {path: emcd.db}\ninclude: [agencies/*.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("agencies/tinh-a.yaml"),
        format!(
            "agency: {{id: tinh-a, code: \"01\", name: Tỉnh A, kind: province}}\n\
             systems:\n  - id: mot-cua\n    name: Một cửa\n    kind: tthc\n    checks:\n\
             \x20     - id: heartbeat\n        push: {{token: \"{digest}\", max_silence: 1h}}\n"
        ),
    )
    .unwrap();
}

fn write_pair(dir: &Path, cert: &str, key: &str) {
    std::fs::create_dir_all(dir.join("tls")).unwrap();
    std::fs::write(dir.join("tls/emcd.crt"), cert).unwrap();
    std::fs::write(dir.join("tls/emcd.key"), key).unwrap();
}

async fn get(d: &Daemon, ca: &Ca, path: &str, headers: &[(&str, &str)]) -> TlsResponse {
    send_tls(&d.addr, ca.roots(), "GET", path, headers, b"")
        .await
        .unwrap_or_else(|e| panic!("{e}\nlog:\n{}", d.log()))
}

/// Waits (bounded) until a new connection is presented `leaf`.
async fn wait_for_cert(d: &Daemon, ca: &Ca, leaf: &Leaf, what: &str) {
    let seen = || async {
        let r = send_tls(&d.addr, ca.roots(), "GET", "/healthz", &[], b"").await;
        r.ok().filter(|r| r.peer == leaf.chain[0]).map(|_| ())
    };
    let log = || format!("log:\n{}", d.log());
    eventually_or(Duration::from_secs(20), what, seen, log).await;
}

fn gunzip(body: &[u8]) -> String {
    let mut text = String::new();
    flate2::read::GzDecoder::new(body)
        .read_to_string(&mut text)
        .unwrap();
    text
}

/// The page without its sample values: names, labels, HELP and TYPE lines.
fn shape(page: &str) -> Vec<String> {
    let line = |l: &str| match l.starts_with('#') {
        true => l.to_owned(),
        false => l.rsplit_once(' ').map_or(l, |(k, _)| k).to_owned(),
    };
    page.lines().map(line).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_listener_serves_reloads_its_certificate_on_sighup_and_keeps_it_when_the_new_one_is_bad(
) {
    let dir = tempfile::tempdir().unwrap();
    let (ca, other_ca) = (Ca::new(), Ca::new());
    let first = ca.leaf(&["localhost"], (2031, 1, 1));
    write_pair(dir.path(), &first.chain_pem, &first.key_pem);
    let (token, digest) = emcd::token::generate();
    write_config(dir.path(), &digest);
    let d = Daemon::start_with_env(
        dir.path(),
        &dir.path().join("emcd.yaml"),
        &[("EMCD_ADMIN_TOKEN", "admin-secret")],
    );
    let ready = || async {
        let r = send_tls(&d.addr, ca.roots(), "GET", "/readyz", &[], b"").await;
        r.ok().filter(|r| r.status == 200).map(|_| ())
    };
    let log = || format!("log:\n{}", d.log());
    eventually_or(Duration::from_secs(20), "emcd ready over HTTPS", ready, log).await;

    // Health and the certificate presented.
    let health = get(&d, &ca, "/healthz", &[]).await;
    assert_eq!((health.status, health.text().as_str()), (200, "ok\n"));
    assert_eq!(health.peer, first.chain[0]);
    // A client that trusts another CA does not get through.
    let untrusted = send_tls(&d.addr, other_ca.roots(), "GET", "/healthz", &[], b"").await;
    assert!(untrusted.is_err(), "{untrusted:?}");

    // An authenticated push over TLS.
    let body = br#"{"status": "up", "duration_seconds": 0.25}"#;
    let auth = format!("Bearer {token}");
    let (d_ref, ca_ref) = (&d, &ca);
    let post = |auth: String| async move {
        let headers = [("authorization", auth.as_str())];
        send_tls(&d_ref.addr, ca_ref.roots(), "POST", CHECK, &headers, body)
            .await
            .unwrap()
            .status
    };
    assert_eq!(post("Bearer wrong".to_owned()).await, 401);
    assert_eq!(post(auth).await, 202);

    // /metrics: identity unless gzip is asked for; the gzip decodes to the same page.
    let plain = get(&d, &ca, "/metrics", &[]).await;
    assert_eq!(plain.status, 200);
    assert_eq!(plain.header("content-encoding"), None);
    assert_eq!(plain.header("vary"), None);
    let identity = plain.text();
    let s = samples(&identity);
    assert_eq!(
        support::sample(&s, "probe_success", &["check=\"heartbeat\""]),
        Some(1.0),
        "the push was recorded"
    );
    let gz = get(&d, &ca, "/metrics", &[("accept-encoding", "gzip")]).await;
    assert_eq!(gz.header("content-encoding"), Some("gzip"));
    assert_eq!(gz.header("vary"), Some("accept-encoding"));
    let decoded = gunzip(&gz.body);
    assert!(
        gz.body.len() * 2 < decoded.len(),
        "{} of {}",
        gz.body.len(),
        decoded.len()
    );
    assert_eq!(shape(&decoded), shape(&identity));
    for page in [&identity, &decoded] {
        let path = dir.path().join("page.txt");
        std::fs::write(&path, page).unwrap();
        let p = path.to_str().unwrap();
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("promtool check metrics < {p}")])
            .output()
            .expect("promtool runs (Debian package prometheus)");
        assert!(out.status.success(), "{out:?}");
    }

    // Plain HTTP on the HTTPS port gets no page: a 400 that says to use https.
    let (status, text) = support::get(&d.addr, "/healthz").await.unwrap();
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("use https://"), "{text}");

    // A new certificate (another name, serial and expiry), then SIGHUP: new
    // connections get it.
    let second = ca.leaf(&["localhost", "emcd.example.gov.vn"], (2032, 6, 1));
    assert_ne!(second.not_after, first.not_after);
    write_pair(dir.path(), &second.chain_pem, &second.key_pem);
    d.signal("HUP");
    wait_for_cert(&d, &ca, &second, "the second certificate after SIGHUP").await;
    assert!(d
        .log()
        .contains("new connections get the certificate just read"));

    // A broken certificate: the reload is rejected naming the file, the second one is
    // still served, and the reload metric says it failed.
    let cert_path = dir.path().join("tls/emcd.crt").display().to_string();
    std::fs::write(dir.path().join("tls/emcd.crt"), "not a certificate\n").unwrap();
    d.signal("HUP");
    let rejected = || async {
        let log = d.log();
        log.lines()
            .any(|l| l.contains("config reload rejected") && l.contains(&cert_path))
            .then_some(())
    };
    let log = || format!("log:\n{}", d.log());
    eventually_or(
        Duration::from_secs(20),
        "the rejected reload",
        rejected,
        log,
    )
    .await;
    assert!(d.log().contains("holds no certificate"), "{}", d.log());
    let after = get(&d, &ca, "/metrics", &[]).await;
    assert_eq!(after.peer, second.chain[0], "the old certificate stays");
    let s = samples(&after.text());
    assert_eq!(
        support::sample(&s, "emcd_config_last_reload_successful", &[]),
        Some(0.0)
    );

    // A key that is not the certificate's, by POST /-/reload: 400 naming both files.
    let third = ca.leaf(&["localhost"], (2033, 1, 1));
    write_pair(dir.path(), &third.chain_pem, &second.key_pem);
    let headers = [("authorization", "Bearer admin-secret")];
    let r = send_tls(&d.addr, ca.roots(), "POST", "/-/reload", &headers, b"")
        .await
        .unwrap();
    assert!(r.status >= 400, "{} {}", r.status, r.text());
    assert!(
        r.text().contains("does not go with certificate file"),
        "{}",
        r.text()
    );
    assert_eq!(get(&d, &ca, "/healthz", &[]).await.peer, second.chain[0]);

    // Mended: the third pair is taken by /-/reload as by SIGHUP.
    write_pair(dir.path(), &third.chain_pem, &third.key_pem);
    let r = send_tls(&d.addr, ca.roots(), "POST", "/-/reload", &headers, b"")
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(get(&d, &ca, "/healthz", &[]).await.peer, third.chain[0]);
    assert!(
        !d.log().contains(&token),
        "the push token never appears in logs"
    );
}

#[test]
fn server_tls_errors_name_the_key_the_file_and_why() {
    let ca = Ca::new();
    let (one, other) = (ca.leaf(&["localhost"], (2031, 1, 1)), ca.client("x"));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("one.crt"), &one.chain_pem).unwrap();
    std::fs::write(d.join("other.key"), &other.key_pem).unwrap();
    std::fs::write(d.join("hello.pem"), "hello\n").unwrap();
    let load = |server: &str| {
        std::fs::write(d.join("emcd.yaml"), format!("server:\n  {server}\n")).unwrap();
        config::load_with_env(&d.join("emcd.yaml"), &|_| None)
            .map(|c| c.server.tls.is_some())
            .map_err(|e| e.to_string())
    };
    let dd = d.display();
    let cases = [
        (
            "tls: {cert_file: one.crt}",
            format!("{dd}/emcd.yaml:2:8: server.tls: missing key `key_file`"),
        ),
        (
            "tls: {cert_file: missing.crt, key_file: other.key}",
            format!("{dd}/emcd.yaml:2:20: server.tls.cert_file: cannot read \"{dd}/missing.crt\": No such file or directory (os error 2)"),
        ),
        (
            "tls: {cert_file: hello.pem, key_file: other.key}",
            format!("{dd}/emcd.yaml:2:20: server.tls.cert_file: certificate file \"{dd}/hello.pem\" holds no certificate: expected a PEM block BEGIN CERTIFICATE"),
        ),
        (
            "tls: {cert_file: one.crt, key_file: one.crt}",
            format!("{dd}/emcd.yaml:2:39: server.tls.key_file: key file \"{dd}/one.crt\" holds no private key: expected a PEM block PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY"),
        ),
        (
            "tls: {cert_file: one.crt, key_file: other.key}",
            format!("{dd}/emcd.yaml:2:39: server.tls.key_file: key file \"{dd}/other.key\" does not go with certificate file \"{dd}/one.crt\": it is not the key of that certificate"),
        ),
    ];
    for (server, expected) in cases {
        assert_eq!(load(server), Err(expected), "{server}");
    }
    std::fs::write(d.join("one.key"), &one.key_pem).unwrap();
    assert_eq!(
        load("tls: {cert_file: one.crt, key_file: one.key}"),
        Ok(true)
    );
    assert_eq!(
        load("listen: 127.0.0.1:9464"),
        Ok(false),
        "plain HTTP by default"
    );
}

/// A real Prometheus scrapes emcd over HTTPS, trusting the test CA (and asking for gzip,
/// as it always does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prometheus_scrapes_the_https_listener() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2031, 1, 1));
    write_pair(dir.path(), &leaf.chain_pem, &leaf.key_pem);
    std::fs::write(dir.path().join("ca.pem"), &ca.pem).unwrap();
    let (_, digest) = emcd::token::generate();
    write_config(dir.path(), &digest);
    let d = Daemon::start_with_env(
        dir.path(),
        &dir.path().join("emcd.yaml"),
        &[("EMCD_ADMIN_TOKEN", "admin-secret")],
    );
    let config = serde_json::json!({
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s"},
        "scrape_configs": [{
            "job_name": "emcd",
            "scheme": "https",
            "tls_config": {
                "ca_file": dir.path().join("ca.pem").display().to_string(),
                "server_name": "localhost",
            },
            "static_configs": [{"targets": [d.addr.clone()]}],
        }],
    });
    let prometheus = support::kit::Prometheus::start(dir.path(), &config).await;
    let scraped = || async {
        let up = prometheus.query("up{job=\"emcd\"} == 1").await.ok()?;
        let series = prometheus
            .query("emcd_config_last_reload_successful{job=\"emcd\"}")
            .await
            .ok()?;
        (!up.is_empty() && !series.is_empty()).then_some(())
    };
    let log = || {
        format!(
            "prometheus log:\n{}\nemcd log:\n{}",
            prometheus.process.log(),
            d.log()
        )
    };
    eventually_or(
        Duration::from_secs(30),
        "Prometheus scraping over HTTPS",
        scraped,
        log,
    )
    .await;
}
