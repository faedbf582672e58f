//! Private CAs, client certificates and `server_name` (docs/configuration.md, `tls`):
//! a config in a temporary directory names PEM files the test made (a CA, a server
//! leaf, a client certificate), `config::load` reads them, and the checks it yields are
//! probed against loopback TLS servers, with a prober that trusts only the system's
//! roots (which never hold the test's CA).

mod support;

use std::path::Path;

use emcd::config::{self, CheckKind, Config, ConfigErrors};
use emcd::probe::{Outcome, Prober};
use emcd::result::{ErrorKind, ResultKind};
use support::*;

/// Writes `emcd.yaml` (with `main` appended) and `agencies/a.yaml` with `checks` (a
/// YAML list, indented by 6), then loads it.
fn load(dir: &Path, main: &str, checks: &str) -> Result<Config, ConfigErrors> {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    let main = format!("include: [agencies/*.yaml]\n{main}");
    std::fs::write(dir.join("emcd.yaml"), main).unwrap();
    let agency = format!(
        "agency: {{id: a, code: A, name: Bộ A, kind: ministry}}\n\
         systems:\n  - id: s\n    name: S\n    kind: tthc\n    checks:\n{checks}"
    );
    std::fs::write(dir.join("agencies/a.yaml"), agency).unwrap();
    config::load_with_env(&dir.join("emcd.yaml"), &|_| None)
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), text).unwrap();
}

/// The prober `emcd run` builds for this config: the system's roots plus
/// `probing.tls.ca_files`.
fn prober_of(config: &Config) -> Prober {
    Prober::of_probing(&config.probing, &[]).unwrap()
}

async fn probe(config: &Config, prober: &Prober, check: &str) -> Outcome {
    let (_, _, c) = config.checks().find(|(_, _, c)| c.id == check).unwrap();
    prober.run(&c.kind, &roomy()).await.unwrap()
}

fn assert_unknown_issuer(o: &Outcome) {
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Tls)),
        "{o:?}"
    );
    assert!(
        o.message.as_deref().unwrap().contains("UnknownIssuer"),
        "{o:?}"
    );
}

#[tokio::test]
async fn a_check_trusting_its_private_ca_is_up_where_without_it_it_is_down() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2040, 6, 1));
    let server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "ok")).await;
    let port = server.addr.port();
    let dir = tempfile::tempdir().unwrap();
    // Relative to the agency file's directory.
    write(&dir.path().join("agencies"), "bo-a-ca.pem", &ca.pem);
    let checks = format!(
        "      - {{id: trusted, http: {{url: \"https://localhost:{port}/\", tls: {{ca_file: bo-a-ca.pem}}}}}}\n\
         \x20     - {{id: plain, http: {{url: \"https://localhost:{port}/\"}}}}\n\
         \x20     - {{id: raw, tcp: {{host: localhost, port: {port}, tls: true, ca_file: bo-a-ca.pem}}}}\n\
         \x20     - {{id: raw-plain, tcp: {{host: localhost, port: {port}, tls: true}}}}\n"
    );
    let config = load(dir.path(), "", &checks).unwrap();
    let prober = prober_of(&config);
    let o = probe(&config, &prober, "trusted").await;
    assert_eq!(
        (o.result, o.status_code),
        (ResultKind::Up, Some(200)),
        "{o:?}"
    );
    assert_eq!(o.cert_expiry, Some(leaf.not_after));
    assert_unknown_issuer(&probe(&config, &prober, "plain").await);
    let o = probe(&config, &prober, "raw").await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    assert_unknown_issuer(&probe(&config, &prober, "raw-plain").await);
    // A second round reuses the configs built in the first.
    let o = probe(&config, &prober, "trusted").await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
}

#[tokio::test]
async fn probing_tls_ca_files_are_trusted_by_every_check() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2040, 6, 1));
    let server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "ok")).await;
    let port = server.addr.port();
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "gov-ca.pem", &ca.pem);
    let checks = format!("      - {{id: home, http: {{url: \"https://localhost:{port}/\"}}}}\n");
    let with = load(
        dir.path(),
        "probing: {tls: {ca_files: [gov-ca.pem]}}\n",
        &checks,
    )
    .unwrap();
    assert_eq!(
        with.probing.tls.ca_files[0].path,
        dir.path().join("gov-ca.pem")
    );
    let o = probe(&with, &prober_of(&with), "home").await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    let without = load(dir.path(), "", &checks).unwrap();
    assert_unknown_issuer(&probe(&without, &prober_of(&without), "home").await);
}

#[tokio::test]
async fn mutual_tls_is_up_with_the_client_certificate_and_down_without() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2040, 6, 1));
    let server = serve_tls(leaf.acceptor_requiring(&ca), |_| reply(200, &[], "ok")).await;
    let port = server.addr.port();
    let client = ca.client("emcd.monitor.example");
    let dir = tempfile::tempdir().unwrap();
    let agencies = dir.path().join("agencies");
    write(&agencies, "ca.pem", &ca.pem);
    write(&agencies, "emcd.crt", &client.chain_pem);
    write(&agencies, "emcd.key", &client.key_pem);
    let url = format!("https://localhost:{port}/");
    let checks = format!(
        "      - {{id: mtls, http: {{url: \"{url}\", tls: {{ca_file: ca.pem, cert_file: emcd.crt, key_file: emcd.key}}}}}}\n\
         \x20     - {{id: anonymous, http: {{url: \"{url}\", tls: {{ca_file: ca.pem}}}}}}\n"
    );
    let config = load(dir.path(), "", &checks).unwrap();
    let prober = prober_of(&config);
    let o = probe(&config, &prober, "mtls").await;
    assert_eq!(
        (o.result, o.status_code),
        (ResultKind::Up, Some(200)),
        "{o:?}"
    );
    assert_eq!(server.hits(), 1);
    let o = probe(&config, &prober, "anonymous").await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Tls)),
        "{o:?}"
    );
    assert!(
        o.message
            .as_deref()
            .unwrap()
            .contains("CertificateRequired"),
        "{o:?}"
    );
    assert_eq!(
        server.hits(),
        1,
        "no request without the client certificate"
    );
}

#[tokio::test]
async fn server_name_probes_an_ip_address_for_a_certificate_issued_to_a_name() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["dvc.example.gov.vn"], (2040, 6, 1));
    let server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "ok")).await;
    let port = server.addr.port();
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("agencies"), "ca.pem", &ca.pem);
    let url = format!("https://127.0.0.1:{port}/");
    let checks = format!(
        "      - {{id: named, http: {{url: \"{url}\", tls: {{ca_file: ca.pem, server_name: dvc.example.gov.vn}}}}}}\n\
         \x20     - {{id: by-ip, http: {{url: \"{url}\", tls: {{ca_file: ca.pem}}}}}}\n\
         \x20     - {{id: tcp-named, tcp: {{host: 127.0.0.1, port: {port}, tls: true, ca_file: ca.pem, server_name: dvc.example.gov.vn}}}}\n"
    );
    let config = load(dir.path(), "", &checks).unwrap();
    let prober = prober_of(&config);
    let o = probe(&config, &prober, "named").await;
    assert_eq!(
        (o.result, o.status_code),
        (ResultKind::Up, Some(200)),
        "{o:?}"
    );
    let host = &server.requests()[0].headers;
    assert!(
        host.iter()
            .any(|(n, v)| n == "host" && v == &format!("127.0.0.1:{port}")),
        "the Host header stays the URL's: {host:?}"
    );
    let o = probe(&config, &prober, "by-ip").await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Tls)),
        "{o:?}"
    );
    assert!(
        o.message
            .as_deref()
            .unwrap()
            .contains("not valid for name \"127.0.0.1\""),
        "{o:?}"
    );
    let o = probe(&config, &prober, "tcp-named").await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    let CheckKind::Http(spec) = &config.checks().next().unwrap().2.kind else {
        panic!("http")
    };
    assert_eq!(spec.tls.server_name.as_deref(), Some("dvc.example.gov.vn"));
}

#[test]
fn a_missing_or_unparsable_file_is_a_config_error_naming_the_key_the_path_and_why() {
    let ca = Ca::new();
    let (one, other) = (ca.client("one.example"), ca.client("other.example"));
    let dir = tempfile::tempdir().unwrap();
    let agencies = dir.path().join("agencies");
    write(&agencies, "hello.pem", "hello\n");
    write(&agencies, "one.crt", &one.chain_pem);
    write(&agencies, "other.key", &other.key_pem);
    let checks = "      - {id: a, http: {url: \"https://x.example/\", tls: {ca_file: missing.pem}}}\n\
         \x20     - {id: b, http: {url: \"https://x.example/\", tls: {ca_file: hello.pem}}}\n\
         \x20     - {id: c, http: {url: \"https://x.example/\", tls: {cert_file: one.crt}}}\n\
         \x20     - {id: d, http: {url: \"https://x.example/\", tls: {cert_file: one.crt, key_file: one.crt}}}\n\
         \x20     - {id: e, http: {url: \"https://x.example/\", tls: {cert_file: one.crt, key_file: other.key}}}\n\
         \x20     - {id: f, http: {url: \"https://x.example/\", tls: {server_name: \"a b\"}}}\n\
         \x20     - {id: g, tcp: {host: x.example, port: 443, ca_file: hello.pem}}\n";
    let main = "probing: {tls: {ca_files: [nowhere/ca.pem]}}\n";
    let errors = load(dir.path(), main, checks).unwrap_err().to_string();
    let (d, a) = (dir.path().display(), agencies.display());
    let expected = [
        format!("{d}/emcd.yaml:2:28: probing.tls.ca_files[0]: cannot read \"{d}/nowhere/ca.pem\": No such file or directory (os error 2)"),
        format!("{a}/a.yaml:7:66: systems[0].checks[0].http.tls.ca_file: cannot read \"{a}/missing.pem\": No such file or directory (os error 2)"),
        format!("{a}/a.yaml:8:66: systems[0].checks[1].http.tls.ca_file: CA file \"{a}/hello.pem\" holds no certificate: expected a PEM block BEGIN CERTIFICATE"),
        format!("{a}/a.yaml:9:68: systems[0].checks[2].http.tls.cert_file: cert_file needs key_file (the private key of the certificate)"),
        format!("{a}/a.yaml:10:87: systems[0].checks[3].http.tls.key_file: key file \"{a}/one.crt\" holds no private key: expected a PEM block PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY"),
        format!("{a}/a.yaml:11:87: systems[0].checks[4].http.tls.key_file: key file \"{a}/other.key\" does not go with certificate file \"{a}/one.crt\": it is not the key of that certificate"),
        format!("{a}/a.yaml:12:70: systems[0].checks[5].http.tls.server_name: invalid server_name \"a b\": expected a DNS name (e.g. dvc.example.gov.vn) or an IP address"),
        format!("{a}/a.yaml:13:60: systems[0].checks[6].tcp.ca_file: ca_file needs `tls: true`"),
    ];
    assert_eq!(errors, expected.join("\n"));
}

#[test]
fn the_client_key_is_never_shown() {
    let ca = Ca::new();
    let client = ca.client("one.example");
    let dir = tempfile::tempdir().unwrap();
    let agencies = dir.path().join("agencies");
    write(&agencies, "c.crt", &client.chain_pem);
    write(&agencies, "c.key", &client.key_pem);
    let checks = "      - {id: a, http: {url: \"https://x.example/\", tls: {cert_file: c.crt, key_file: c.key}}}\n";
    let config = load(dir.path(), "", checks).unwrap();
    let shown = format!("{config:?}");
    assert!(shown.contains("key: ClientKey(***)"), "{shown}");
}
