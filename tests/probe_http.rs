//! The HTTP probe against loopback servers written here: phases, verdicts, redirects,
//! body cap, deadline (expectations and errors: `probe_http_checks.rs`).

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use emcd::result::{ErrorKind, ResultKind};
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use support::*;

#[tokio::test]
async fn up_with_phases_adding_up_to_the_total() {
    let server = serve(|_| reply(200, &[], "hello")).await;
    let o = prober(&[])
        .http(&http_spec(&server.url("http", "/")), &roomy())
        .await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    assert_eq!(
        (o.status_code, o.error, &o.message, o.cert_expiry),
        (Some(200), None, &None, None)
    );
    assert_phases_sum(&o);
    assert!(
        o.phases.processing > Duration::ZERO && o.phases.tls == Duration::ZERO,
        "{o:?}"
    );
}

#[tokio::test]
async fn sends_host_user_agent_method_headers_and_body() {
    let server = serve(|_| reply(200, &[], "")).await;
    let mut spec = http_spec(&server.url("http", "/submit?x=1"));
    spec.method = http::Method::POST;
    spec.body = Some("{\"a\":1}".into());
    spec.headers = vec![
        (CONTENT_TYPE, HeaderValue::from_static("application/json")),
        (
            HeaderName::from_static("x-one"),
            HeaderValue::from_static("a"),
        ),
        (
            HeaderName::from_static("x-one"),
            HeaderValue::from_static("b"),
        ),
    ];
    let o = prober(&[]).http(&spec, &roomy()).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    let req = &server.requests()[0];
    assert_eq!(
        (req.method.as_str(), req.path.as_str()),
        ("POST", "/submit?x=1")
    );
    assert_eq!(req.header("host"), Some(server.addr.to_string().as_str()));
    assert_eq!(req.header("user-agent"), Some("emcd-test/1"));
    assert_eq!(req.header("content-type"), Some("application/json"));
    let x_one: Vec<_> = req
        .headers
        .iter()
        .filter(|(n, _)| n == "x-one")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(x_one, ["a", "b"]);
    assert_eq!(req.body, b"{\"a\":1}");
}

#[tokio::test]
async fn slower_than_degraded_after_is_degraded() {
    let server = serve(|_| Reply {
        delay: Duration::from_millis(300),
        ..reply(200, &[], "ok")
    })
    .await;
    let policy = policy(Duration::from_secs(5), Duration::from_millis(100));
    let o = prober(&[])
        .http(&http_spec(&server.url("http", "/")), &policy)
        .await;
    assert_eq!((o.result, o.error), (ResultKind::Degraded, None), "{o:?}");
    assert!(o.duration >= Duration::from_millis(300));
    assert!(o.phases.processing >= Duration::from_millis(300), "{o:?}");
    assert_phases_sum(&o);
}

#[tokio::test]
async fn slower_than_max_response_time_is_too_slow() {
    let server = serve(|_| Reply {
        delay: Duration::from_millis(300),
        ..reply(200, &[], "ok")
    })
    .await;
    let mut spec = http_spec(&server.url("http", "/"));
    Arc::make_mut(&mut spec.expect).max_response_time = Some(Duration::from_millis(100));
    let o = prober(&[]).http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::TooSlow)),
        "{o:?}"
    );
    assert!(o
        .message
        .unwrap()
        .contains("more than max_response_time 100ms"));
}

#[tokio::test]
async fn status_503_is_status() {
    let server = serve(|_| reply(503, &[], "busy")).await;
    let mut spec = http_spec(&server.url("http", "/"));
    Arc::make_mut(&mut spec.expect).status = vec![200..=299];
    let o = prober(&[]).http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Status))
    );
    assert_eq!(o.status_code, Some(503));
    assert_eq!(o.message.as_deref(), Some("status 503 not in 200-299"));
}

#[tokio::test]
async fn a_trickling_server_times_out_on_time() {
    let server = serve(|_| Reply {
        trickle: Some(Duration::from_secs(1)),
        ..reply(200, &[], "x".repeat(100))
    })
    .await;
    let timeout = Duration::from_millis(1500);
    let started = Instant::now();
    let o = prober(&[])
        .http(
            &http_spec(&server.url("http", "/")),
            &policy(timeout, timeout),
        )
        .await;
    let elapsed = started.elapsed();
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Timeout)),
        "{o:?}"
    );
    assert!(elapsed <= timeout + timeout / 10, "took {elapsed:?}");
    assert!(
        o.duration >= timeout && o.duration <= timeout + timeout / 10,
        "{o:?}"
    );
    assert_eq!(
        o.message.as_deref(),
        Some("timed out after 1s 500ms (during transfer)")
    );
    assert_eq!(o.status_code, Some(200));
    assert_phases_sum(&o);
}

#[tokio::test]
async fn a_5_mib_body_is_capped_and_still_succeeds() {
    let mut body = vec![b'a'; 5 << 20];
    body[(1 << 20) + 10..(1 << 20) + 16].copy_from_slice(b"NEEDLE");
    body[100..106].copy_from_slice(b"EARLY!");
    let server = serve(move |_| reply(200, &[], &body)).await;
    let prober = prober(&[]);
    let mut spec = http_spec(&server.url("http", "/"));
    Arc::make_mut(&mut spec.expect).body_contains = Some("EARLY!".into());
    let o = prober.http(&spec, &roomy()).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    assert_phases_sum(&o);
    Arc::make_mut(&mut spec.expect).body_contains = Some("NEEDLE".into());
    let o = prober.http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Body)),
        "{o:?}"
    );
    let message = o.message.unwrap();
    assert_eq!(
        message,
        "body does not contain \"NEEDLE\" (only the first 1 MiB of the body is kept)"
    );
}

#[tokio::test]
async fn a_redirect_loop_stops_after_10() {
    let server = serve(|_| redirect(302, "/again")).await;
    let o = prober(&[])
        .http(&http_spec(&server.url("http", "/")), &roomy())
        .await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Http)),
        "{o:?}"
    );
    assert_eq!(
        o.message.as_deref(),
        Some("too many redirects (more than 10)")
    );
    assert_eq!(server.hits(), 11);
    assert_eq!(o.status_code, Some(302));
}

#[tokio::test]
async fn a_relative_redirect_chain_is_followed() {
    let server = serve(|req| match req.path.as_str() {
        "/dir/a" => redirect(302, "b"),
        "/dir/b" => redirect(301, "../c?q=1"),
        "/c?q=1" => redirect(307, "/final"),
        "/final" => reply(200, &[], "done"),
        _ => reply(404, &[], ""),
    })
    .await;
    let mut spec = http_spec(&server.url("http", "/dir/a"));
    Arc::make_mut(&mut spec.expect).status = vec![200..=200];
    Arc::make_mut(&mut spec.expect).body_contains = Some("done".into());
    let o = prober(&[]).http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.status_code),
        (ResultKind::Up, Some(200)),
        "{o:?}"
    );
    assert_eq!(server.hits(), 4);
    assert_phases_sum(&o);
    assert!(o.phases.connect > Duration::ZERO);
}

#[tokio::test]
async fn redirects_not_followed_when_disabled_and_303_becomes_get() {
    let server = serve(|req| match req.path.as_str() {
        "/form" => redirect(303, "/done"),
        _ => reply(200, &[], ""),
    })
    .await;
    let mut spec = http_spec(&server.url("http", "/form"));
    spec.method = http::Method::POST;
    spec.body = Some("a=1".into());
    let o = prober(&[]).http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.status_code),
        (ResultKind::Up, Some(200)),
        "{o:?}"
    );
    let methods: Vec<_> = server
        .requests()
        .into_iter()
        .map(|r| (r.method, r.body))
        .collect();
    assert_eq!(
        methods,
        [
            ("POST".to_string(), b"a=1".to_vec()),
            ("GET".to_string(), vec![])
        ]
    );

    spec.follow_redirects = false;
    Arc::make_mut(&mut spec.expect).status = vec![200..=299];
    let o = prober(&[]).http(&spec, &roomy()).await;
    assert_eq!(
        (o.error, o.status_code),
        (Some(ErrorKind::Status), Some(303)),
        "{o:?}"
    );
    assert_eq!(server.hits(), 3);
}
