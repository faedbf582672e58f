//! The TCP probe against loopback listeners: open port, closed port, TLS handshake
//! (trusted, self-signed, expired), and the dispatch point.

mod support;

use std::time::Duration;

use emcd::config::{CheckKind, PushSpec};
use emcd::result::{ErrorKind, ResultKind};
use support::*;
use tokio::net::TcpListener;

#[tokio::test]
async fn an_open_port_is_up() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let spec = tcp_spec(listener.local_addr().unwrap(), false);
    let o = prober(&[]).tcp(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.error, o.status_code, o.cert_expiry),
        (ResultKind::Up, None, None, None)
    );
    assert_eq!(
        (o.phases.tls, o.phases.processing, o.phases.transfer),
        (Duration::ZERO, Duration::ZERO, Duration::ZERO)
    );
    assert_phases_sum(&o);
}

#[tokio::test]
async fn a_closed_port_is_connect() {
    let addr = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let o = prober(&[]).tcp(&tcp_spec(addr, false), &roomy()).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Connect)),
        "{o:?}"
    );
}

#[tokio::test]
async fn localhost_and_invalid_names() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let prober = prober(&[]);
    let mut spec = tcp_spec(listener.local_addr().unwrap(), false);
    spec.host = "localhost".into();
    assert_eq!(prober.tcp(&spec, &roomy()).await.result, ResultKind::Up);
    spec.host = "api.example.invalid".into();
    let o = prober.tcp(&spec, &roomy()).await;
    assert_eq!((o.error, port), (Some(ErrorKind::Dns), spec.port), "{o:?}");
}

#[tokio::test]
async fn tls_on_tcp_reports_expiry_and_sorts_failures() {
    let ca = Ca::new();
    let good = ca.leaf(&["localhost"], (2040, 6, 1));
    let server = serve_tls(good.acceptor(), |_| reply(200, &[], "")).await;
    let mut spec = tcp_spec(server.addr, true);
    spec.host = "localhost".into();
    let trusting = prober(ca.roots());
    let o = trusting.tcp(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.cert_expiry),
        (ResultKind::Up, Some(good.not_after)),
        "{o:?}"
    );
    assert!(o.phases.tls > Duration::ZERO);
    assert_phases_sum(&o);

    let o = prober(&[]).tcp(&spec, &roomy()).await;
    assert_eq!(
        (o.error, o.cert_expiry),
        (Some(ErrorKind::Tls), Some(good.not_after)),
        "{o:?}"
    );
    spec.insecure_skip_verify = true;
    assert_eq!(
        prober(&[]).tcp(&spec, &roomy()).await.result,
        ResultKind::Up
    );

    let expired = ca.leaf(&["localhost"], (2022, 2, 2));
    let server = serve_tls(expired.acceptor(), |_| reply(200, &[], "")).await;
    let mut spec = tcp_spec(server.addr, true);
    spec.host = "localhost".into();
    let o = trusting.tcp(&spec, &roomy()).await;
    assert_eq!(
        (o.error, o.cert_expiry),
        (Some(ErrorKind::Cert), Some(expired.not_after)),
        "{o:?}"
    );
    assert_eq!(
        o.message.as_deref(),
        Some("certificate expired at 2022-02-02T00:00:00Z")
    );
}

#[tokio::test]
async fn a_tls_handshake_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let spec = tcp_spec(listener.local_addr().unwrap(), true);
    let timeout = Duration::from_millis(300);
    let o = prober(&[]).tcp(&spec, &policy(timeout, timeout)).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Timeout)),
        "{o:?}"
    );
    assert_eq!(
        o.message.as_deref(),
        Some("timed out after 300ms (during tls)")
    );
    assert!(
        o.duration >= timeout && o.duration <= timeout + timeout / 10,
        "{o:?}"
    );
    drop(listener);
}

#[tokio::test]
async fn the_dispatch_point_runs_probes_and_skips_push() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let prober = std::sync::Arc::new(prober(&[]));
    let kind = CheckKind::Tcp(tcp_spec(listener.local_addr().unwrap(), false));
    let p = prober.clone();
    let o = tokio::spawn(async move { p.run(&kind, &roomy()).await })
        .await
        .unwrap();
    assert_eq!(o.unwrap().result, ResultKind::Up);
    let push = CheckKind::Push(PushSpec {
        token_digest: [0; 32],
        max_silence: Duration::from_secs(60),
    });
    assert!(prober.run(&push, &roomy()).await.is_none());
}
