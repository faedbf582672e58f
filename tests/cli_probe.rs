//! `emcd probe` as an agency debugging its endpoint runs it: the real binary against
//! loopback servers with certificates the test makes: a private CA (`--cacert`), a
//! self-signed certificate (`--insecure`), mutual TLS (`--cert`, `--key`), a raw TCP and
//! TCP+TLS target (`tcp://`, `--tls`, `--server-name`) and `--source-address`.

mod support;

use std::path::Path;
use std::process::{Command, Output};

use support::*;

/// Runs `emcd probe ARGS` off the runtime's threads (the servers run on them).
async fn probe(args: &[&str]) -> (Option<i32>, String, String) {
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    let out: Output = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_emcd"))
            .arg("probe")
            .args(&args)
            .args(["--timeout", "5s"])
            .output()
            .expect("emcd runs")
    })
    .await
    .unwrap();
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_endpoint_behind_a_private_ca_is_up_with_cacert() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2040, 6, 1));
    let server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "ok")).await;
    let dir = tempfile::tempdir().unwrap();
    let cacert = write(dir.path(), "ca.pem", &ca.pem);
    let url = format!("https://localhost:{}/", server.addr.port());
    let (code, out, _) = probe(&[&url]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("result       down (tls)"), "{out}");
    assert!(out.contains("UnknownIssuer"), "{out}");
    let (code, out, err) = probe(&[&url, "--cacert", &cacert]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.starts_with(&format!("GET {url}\n")), "{out}");
    assert!(out.contains("status       200\n"), "{out}");
    assert!(
        out.contains("certificate  expires 2040-06-01T00:00:00Z"),
        "{out}"
    );
    assert!(out.ends_with("result       up\n"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn insecure_accepts_a_self_signed_certificate() {
    let cert = self_signed(&["localhost"], (2039, 3, 1));
    let server = serve_tls(cert.acceptor(), |_| reply(200, &[], "")).await;
    let url = format!("https://localhost:{}/", server.addr.port());
    let (code, out, _) = probe(&[&url, "--insecure"]).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.contains("certificate  expires 2039-03-01T00:00:00Z"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mutual_tls_needs_cert_and_key() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2040, 6, 1));
    let server = serve_tls(leaf.acceptor_requiring(&ca), |_| reply(200, &[], "")).await;
    let client = ca.client("emcd.monitor.example");
    let dir = tempfile::tempdir().unwrap();
    let cacert = write(dir.path(), "ca.pem", &ca.pem);
    let cert = write(dir.path(), "client.crt", &client.chain_pem);
    let key = write(dir.path(), "client.key", &client.key_pem);
    let url = format!("https://localhost:{}/", server.addr.port());
    let (code, out, err) =
        probe(&[&url, "--cacert", &cacert, "--cert", &cert, "--key", &key]).await;
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.ends_with("result       up\n"), "{out}");
    let (code, out, _) = probe(&[&url, "--cacert", &cacert]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("result       down (tls)"), "{out}");
    assert!(out.contains("CertificateRequired"), "{out}");
    assert_eq!(server.hits(), 1);
    // A key that is not the certificate's is refused before any probe.
    let other = write(dir.path(), "other.key", &ca.client("x.example").key_pem);
    let (code, out, err) = probe(&[&url, "--cert", &cert, "--key", &other]).await;
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(
        err.contains(&format!("--key \"{other}\" does not go with --cert")),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tcp_targets_with_and_without_tls() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["ldap.example.gov.vn"], (2040, 6, 1));
    let tls_server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "")).await;
    let plain = serve(|_| reply(200, &[], "")).await;
    let dir = tempfile::tempdir().unwrap();
    let cacert = write(dir.path(), "ca.pem", &ca.pem);

    let target = format!("tcp://127.0.0.1:{}", plain.addr.port());
    let (code, out, _) = probe(&[&target]).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(
        out.starts_with(&format!("TCP 127.0.0.1:{}\n", plain.addr.port())),
        "{out}"
    );
    assert!(!out.contains("certificate"), "{out}");

    let target = format!("tcp://127.0.0.1:{}", tls_server.addr.port());
    let name = ["--server-name", "ldap.example.gov.vn"];
    let (code, out, _) = probe(&[&target, "--tls", "--cacert", &cacert, name[0], name[1]]).await;
    assert_eq!(code, Some(0), "{out}");
    assert!(out.starts_with("TCP+TLS 127.0.0.1:"), "{out}");
    assert!(out.contains("certificate  expires 2040-06-01"), "{out}");
    let (code, out, _) = probe(&[&target, "--tls", "--cacert", &cacert]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("not valid for name \"127.0.0.1\""), "{out}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let (code, out, _) = probe(&[&format!("tcp://{closed}")]).await;
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("result       down (connect)"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_address_is_where_the_probe_leaves_from() {
    let server = serve(|_| reply(200, &[], "")).await;
    let url = server.url("http", "/");
    let (code, out, _) = probe(&[&url, "--source-address", "127.0.0.2"]).await;
    assert_eq!(code, Some(0), "{out}");
    assert_eq!(
        server.requests()[0].peer,
        Some("127.0.0.2".parse().unwrap())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn options_that_do_not_fit_the_target_are_refused() {
    let (code, out, err) = probe(&["http://127.0.0.1:9/", "--cacert", "ca.pem"]).await;
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(err.contains("need TLS: use https://"), "{err}");
    let (code, _, err) = probe(&["tcp://127.0.0.1:9", "--insecure"]).await;
    assert_eq!(code, Some(1));
    assert!(err.contains("need --tls with a tcp:// target"), "{err}");
    let (code, _, err) = probe(&["https://127.0.0.1:9/", "--cacert", "/nonexistent/ca.pem"]).await;
    assert_eq!(code, Some(1));
    assert!(
        err.contains("cannot read --cacert \"/nonexistent/ca.pem\""),
        "{err}"
    );
}
