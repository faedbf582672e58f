//! The HTTP probe's expectations (JSON path, headers, body) and the errors before any
//! complete response, against loopback servers written here; and `emcd probe`.

mod support;

use std::sync::Arc;
use std::time::Duration;

use emcd::config::{JsonExpect, JsonStep};
use emcd::result::{ErrorKind, ResultKind};
use http::header::{HeaderName, HeaderValue, CONTENT_TYPE};
use regex::Regex;
use support::*;

#[tokio::test]
async fn json_path_match_and_mismatch() {
    let server = serve(|req| match req.path.as_str() {
        "/up" => reply(200, &[], r#"{"status":"UP","checks":[{"db":"ok"}]}"#),
        _ => reply(200, &[], r#"{"status":"DOWN","checks":[]}"#),
    })
    .await;
    let mut spec = http_spec(&server.url("http", "/up"));
    let key = |k: &str| JsonStep::Key(k.into());
    Arc::make_mut(&mut spec.expect).json = vec![
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
    Arc::make_mut(&mut spec.expect).headers =
        vec![(CONTENT_TYPE, Regex::new("^text/html").unwrap())];
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
        f(Arc::make_mut(&mut spec.expect));
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
    Arc::make_mut(&mut spec.expect).body_regex = Some(Regex::new("^hello world$").unwrap());
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
        timeout: Some(Duration::from_secs(5)),
        browser: false,
        mobile: false,
        chromium: None,
        method: "get".into(),
        headers: vec!["X-Debug: 1".into()],
        tls: false,
        cacert: None,
        insecure: false,
        cert: None,
        key: None,
        server_name: None,
        source_address: None,
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
