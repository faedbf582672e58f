//! The HTTP probe against loopback servers written here: phases, verdicts, expectations,
//! redirects, body cap, deadline, and the errors before any response.

mod support;

use std::time::{Duration, Instant};

use emcd::config::{JsonExpect, JsonStep};
use emcd::result::{ErrorKind, ResultKind};
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use regex::Regex;
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
    spec.expect.max_response_time = Some(Duration::from_millis(100));
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
    spec.expect.status = vec![200..=299];
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
    spec.expect.body_contains = Some("EARLY!".into());
    let o = prober.http(&spec, &roomy()).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    assert_phases_sum(&o);
    spec.expect.body_contains = Some("NEEDLE".into());
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
    spec.expect.status = vec![200..=200];
    spec.expect.body_contains = Some("done".into());
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
    spec.expect.status = vec![200..=299];
    let o = prober(&[]).http(&spec, &roomy()).await;
    assert_eq!(
        (o.error, o.status_code),
        (Some(ErrorKind::Status), Some(303)),
        "{o:?}"
    );
    assert_eq!(server.hits(), 3);
}

#[tokio::test]
async fn json_path_match_and_mismatch() {
    let server = serve(|req| match req.path.as_str() {
        "/up" => reply(200, &[], r#"{"status":"UP","checks":[{"db":"ok"}]}"#),
        _ => reply(200, &[], r#"{"status":"DOWN","checks":[]}"#),
    })
    .await;
    let mut spec = http_spec(&server.url("http", "/up"));
    let key = |k: &str| JsonStep::Key(k.into());
    spec.expect.json = vec![
        JsonExpect {
            path_text: "$.status".into(),
            path: vec![key("status")],
            equals: "UP".into(),
        },
        JsonExpect {
            path_text: "$.checks[0].db".into(),
            path: vec![key("checks"), JsonStep::Index(0), key("db")],
            equals: "ok".into(),
        },
    ];
    let prober = prober(&[]);
    let o = prober.http(&spec, &roomy()).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    spec.url = server.url("http", "/down").parse().unwrap();
    let o = prober.http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Json))
    );
    assert_eq!(
        o.message.as_deref(),
        Some(r#"$.status is "DOWN", expected "UP""#)
    );
}

#[tokio::test]
async fn header_regex_match_mismatch_and_missing() {
    let server = serve(|req| match req.path.as_str() {
        "/html" => reply(200, &[("content-type", "text/html; charset=utf-8")], "<p>"),
        "/text" => reply(200, &[("content-type", "text/plain")], "p"),
        _ => reply(200, &[], "p"),
    })
    .await;
    let prober = prober(&[]);
    let mut spec = http_spec(&server.url("http", "/html"));
    spec.expect.headers = vec![(CONTENT_TYPE, Regex::new("^text/html").unwrap())];
    assert_eq!(prober.http(&spec, &roomy()).await.result, ResultKind::Up);
    spec.url = server.url("http", "/text").parse().unwrap();
    let o = prober.http(&spec, &roomy()).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Header))
    );
    let want = r#"header content-type "text/plain" does not match ^text/html"#;
    assert_eq!(o.message.as_deref(), Some(want));
    spec.url = server.url("http", "/none").parse().unwrap();
    let o = prober.http(&spec, &roomy()).await;
    assert_eq!(o.error, Some(ErrorKind::Header));
    assert_eq!(o.message.as_deref(), Some("header content-type missing"));
}

#[tokio::test]
async fn body_contains_not_contains_and_regex() {
    let server = serve(|_| reply(200, &[], "<h1>Đăng ký hộ tịch</h1> version 42")).await;
    let prober = prober(&[]);
    let spec = http_spec(&server.url("http", "/"));
    let run = |f: &dyn Fn(&mut emcd::config::Expect)| {
        let mut spec = spec.clone();
        f(&mut spec.expect);
        let prober = &prober;
        async move { prober.http(&spec, &roomy()).await }
    };
    let o = run(&|e| e.body_contains = Some("Đăng ký".into())).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    let o = run(&|e| e.body_contains = Some("Lỗi".into())).await;
    assert_eq!(
        (o.error, o.message.as_deref()),
        (Some(ErrorKind::Body), Some("body does not contain \"Lỗi\""))
    );
    let o = run(&|e| e.body_not_contains = Some("Lỗi hệ thống".into())).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    let o = run(&|e| e.body_not_contains = Some("hộ tịch".into())).await;
    assert_eq!(
        (o.error, o.message.as_deref()),
        (Some(ErrorKind::Body), Some("body contains \"hộ tịch\""))
    );
    let o = run(&|e| e.body_regex = Some(Regex::new(r"version \d+").unwrap())).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    let o = run(&|e| e.body_regex = Some(Regex::new(r"version [a-z]+").unwrap())).await;
    assert_eq!(
        (o.error, o.message.as_deref()),
        (
            Some(ErrorKind::Body),
            Some("body does not match version [a-z]+")
        )
    );
}

#[tokio::test]
async fn a_closed_port_is_connect() {
    let addr = {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        listener.local_addr().unwrap()
    };
    let o = prober(&[])
        .http(&http_spec(&format!("http://{addr}/")), &roomy())
        .await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Connect)),
        "{o:?}"
    );
    assert!(o
        .message
        .as_deref()
        .unwrap()
        .starts_with(&format!("connect to {addr}: ")));
    assert_eq!(o.status_code, None);
    assert_phases_sum(&o);
}

#[tokio::test]
async fn an_invalid_host_is_dns() {
    let o = prober(&[])
        .http(&http_spec("http://portal.example.invalid/"), &roomy())
        .await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Dns)),
        "{o:?}"
    );
}

#[tokio::test]
async fn garbage_instead_of_http_is_http() {
    let server = serve(|_| Reply {
        delay: Duration::ZERO,
        data: b"SSH-2.0-OpenSSH\r\n\r\n".to_vec(),
        trickle: None,
    })
    .await;
    let o = prober(&[])
        .http(&http_spec(&server.url("http", "/")), &roomy())
        .await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Http)),
        "{o:?}"
    );
}

#[tokio::test]
async fn a_body_cut_short_is_http() {
    let server = serve(|_| {
        let mut r = reply(200, &[], "0123456789");
        r.data.truncate(r.data.len() - 4);
        r
    })
    .await;
    let o = prober(&[])
        .http(&http_spec(&server.url("http", "/")), &roomy())
        .await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Http)),
        "{o:?}"
    );
    assert!(
        o.message.as_deref().unwrap().starts_with("reading body"),
        "{o:?}"
    );
}

#[tokio::test]
async fn credentials_are_not_sent_to_another_host() {
    let other = serve(|_| reply(200, &[], "")).await;
    let target = format!("http://localhost:{}/landing", other.addr.port());
    let first = serve(move |_| redirect(302, &target)).await;
    let mut spec = http_spec(&first.url("http", "/"));
    spec.headers = vec![
        (
            http::header::AUTHORIZATION,
            HeaderValue::from_static("Bearer secret"),
        ),
        (
            HeaderName::from_static("x-team"),
            HeaderValue::from_static("noc"),
        ),
    ];
    let o = prober(&[]).http(&spec, &roomy()).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    assert_eq!(
        first.requests()[0].header("authorization"),
        Some("Bearer secret")
    );
    let landed = &other.requests()[0];
    assert_eq!(
        (landed.header("authorization"), landed.header("x-team")),
        (None, Some("noc"))
    );
    assert_eq!(
        landed.header("host"),
        Some(format!("localhost:{}", other.addr.port()).as_str())
    );
}

#[tokio::test]
async fn a_chunked_body_is_read_and_304_is_not_followed() {
    let server = serve(|req| match req.path.as_str() {
        "/chunked" => Reply {
            delay: Duration::ZERO,
            data: b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n".to_vec(),
            trickle: None,
        },
        _ => reply(304, &[("location", "/elsewhere")], ""),
    })
    .await;
    let prober = prober(&[]);
    let mut spec = http_spec(&server.url("http", "/chunked"));
    spec.expect.body_regex = Some(Regex::new("^hello world$").unwrap());
    assert_eq!(prober.http(&spec, &roomy()).await.result, ResultKind::Up);
    let o = prober
        .http(&http_spec(&server.url("http", "/cached")), &roomy())
        .await;
    assert_eq!(
        (o.result, o.status_code),
        (ResultKind::Up, Some(304)),
        "{o:?}"
    );
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn emcd_probe_command() {
    use emcd::probe::cli::{probe_command, ProbeArgs};
    let server = serve(|req| match req.path.as_str() {
        "/ok" => reply(200, &[], "ok"),
        _ => reply(503, &[], "busy"),
    })
    .await;
    let args = |path: &str| ProbeArgs {
        url: server.url("http", path),
        timeout: Duration::from_secs(5),
        method: "get".into(),
        headers: vec!["X-Debug: 1".into()],
    };
    assert!(probe_command(args("/ok")).await.unwrap());
    assert!(!probe_command(args("/down")).await.unwrap());
    assert_eq!(server.requests()[0].header("x-debug"), Some("1"));
    let mut bad = args("/");
    bad.url = "http//missing-colon".into();
    let err = format!("{:#}", probe_command(bad).await.unwrap_err());
    assert!(
        err.starts_with("invalid URL \"http//missing-colon\": "),
        "{err}"
    );
}
