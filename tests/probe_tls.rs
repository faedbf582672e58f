//! HTTPS probes against loopback TLS servers with rcgen certificates: trusted through an
//! extra root, self-signed, expired, wrong name; expiry is reported in every case where a
//! chain was presented.

mod support;

use emcd::result::{ErrorKind, ResultKind};
use std::sync::Arc;
use support::*;

#[tokio::test]
async fn a_cert_from_an_extra_root_ca_is_up_and_reports_expiry() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2040, 6, 1));
    let server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "secure")).await;
    let mut spec = http_spec(&format!("https://localhost:{}/", server.addr.port()));
    Arc::make_mut(&mut spec.expect).body_contains = Some("secure".into());
    let o = prober(ca.roots()).http(&spec, &roomy()).await;
    assert_eq!((o.result, o.error), (ResultKind::Up, None), "{o:?}");
    assert_eq!(o.cert_expiry, Some(leaf.not_after));
    assert_eq!(leaf.not_after, 2_222_121_600); // 2040-06-01T00:00:00Z
    assert!(o.phases.tls > std::time::Duration::ZERO);
    assert_phases_sum(&o);
}

#[tokio::test]
async fn an_ip_address_certificate_is_verified_too() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["127.0.0.1"], (2041, 1, 1));
    let server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "")).await;
    let o = prober(ca.roots())
        .http(&http_spec(&server.url("https", "/")), &roomy())
        .await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    assert_eq!(o.cert_expiry, Some(leaf.not_after));
}

#[tokio::test]
async fn self_signed_is_tls_unless_insecure_skip_verify() {
    let cert = self_signed(&["localhost"], (2039, 3, 1));
    let server = serve_tls(cert.acceptor(), |_| reply(200, &[], "")).await;
    let prober = prober(&[]);
    let mut spec = http_spec(&format!("https://localhost:{}/", server.addr.port()));
    let o = prober.http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Tls)),
        "{o:?}"
    );
    assert!(
        o.message.as_deref().unwrap().contains("UnknownIssuer"),
        "{o:?}"
    );
    assert_eq!(
        o.cert_expiry,
        Some(cert.not_after),
        "the rejected chain's expiry is reported"
    );
    assert_eq!(o.status_code, None);
    assert_phases_sum(&o);

    spec.insecure_skip_verify = true;
    let o = prober.http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.status_code),
        (ResultKind::Up, Some(200)),
        "{o:?}"
    );
    assert_eq!(o.cert_expiry, Some(cert.not_after));
}

#[tokio::test]
async fn an_expired_certificate_is_cert_with_its_expiry() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2020, 1, 1));
    let server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "")).await;
    let spec = http_spec(&format!("https://localhost:{}/", server.addr.port()));
    let o = prober(ca.roots()).http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Cert)),
        "{o:?}"
    );
    assert_eq!(
        o.message.as_deref(),
        Some("certificate expired at 2020-01-01T00:00:00Z")
    );
    assert_eq!(o.cert_expiry, Some(1_577_836_800));
    assert_eq!(o.cert_expiry, Some(leaf.not_after));
}

#[tokio::test]
async fn an_expired_self_signed_certificate_is_cert_not_tls() {
    let cert = self_signed(&["localhost"], (2021, 7, 4));
    let server = serve_tls(cert.acceptor(), |_| reply(200, &[], "")).await;
    let spec = http_spec(&format!("https://localhost:{}/", server.addr.port()));
    let o = prober(&[]).http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Cert)),
        "{o:?}"
    );
    assert_eq!(
        o.message.as_deref(),
        Some("certificate expired at 2021-07-04T00:00:00Z")
    );
    assert_eq!(o.cert_expiry, Some(cert.not_after));
}

#[tokio::test]
async fn an_expired_certificate_with_insecure_skip_verify_is_up_and_reported() {
    let cert = self_signed(&["localhost"], (2020, 1, 1));
    let server = serve_tls(cert.acceptor(), |_| reply(200, &[], "")).await;
    let mut spec = http_spec(&format!("https://localhost:{}/", server.addr.port()));
    spec.insecure_skip_verify = true;
    let o = prober(&[]).http(&spec, &roomy()).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    assert_eq!(o.cert_expiry, Some(1_577_836_800));
}

#[tokio::test]
async fn a_name_mismatch_is_tls() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["portal.example.test"], (2040, 1, 1));
    let server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "")).await;
    let spec = http_spec(&format!("https://localhost:{}/", server.addr.port()));
    let o = prober(ca.roots()).http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Tls)),
        "{o:?}"
    );
    assert!(
        o.message
            .as_deref()
            .unwrap()
            .contains("not valid for name \"localhost\""),
        "{o:?}"
    );
    assert_eq!(o.cert_expiry, Some(leaf.not_after));
}

#[tokio::test]
async fn plain_http_to_a_tls_port_and_tls_to_a_plain_port_fail() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2040, 1, 1));
    let tls_server = serve_tls(leaf.acceptor(), |_| reply(200, &[], "")).await;
    let prober = prober(ca.roots());
    let o = prober
        .http(
            &http_spec(&format!("http://localhost:{}/", tls_server.addr.port())),
            &roomy(),
        )
        .await;
    assert_eq!(o.result, ResultKind::Down, "{o:?}");
    assert_eq!(o.error, Some(ErrorKind::Http), "{o:?}");

    // A plain HTTP server answering the ClientHello with a 400.
    let plain = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = plain.local_addr().unwrap().port();
    let answer = tokio::spawn(async move {
        let (mut tcp, _) = plain.accept().await.unwrap();
        let bad = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        tokio::io::AsyncWriteExt::write_all(&mut tcp, bad)
            .await
            .unwrap();
    });
    let o = prober
        .http(&http_spec(&format!("https://localhost:{port}/")), &roomy())
        .await;
    assert_eq!(
        (o.error, o.cert_expiry),
        (Some(ErrorKind::Tls), None),
        "{o:?}"
    );
    assert!(
        o.message.as_deref().unwrap().starts_with("TLS handshake: "),
        "{o:?}"
    );
    answer.await.unwrap();
}

#[tokio::test]
async fn a_redirect_from_http_to_https_reports_the_final_certificate() {
    let ca = Ca::new();
    let leaf = ca.leaf(&["localhost"], (2038, 2, 2));
    let secure = serve_tls(leaf.acceptor(), |_| reply(200, &[], "")).await;
    let target = format!("https://localhost:{}/home", secure.addr.port());
    let plain = serve(move |_| redirect(301, &target)).await;
    let spec = http_spec(&format!("http://localhost:{}/", plain.addr.port()));
    let o = prober(ca.roots()).http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.status_code),
        (ResultKind::Up, Some(200)),
        "{o:?}"
    );
    assert_eq!(o.cert_expiry, Some(leaf.not_after));
    assert_eq!(secure.requests()[0].path, "/home");
    assert_phases_sum(&o);
}
