//! HTTP expectations (docs/configuration.md `expect`), checked in a fixed order: status, body_contains,
//! body_not_contains, body_regex, headers, json, max_response_time. The first that fails
//! is the verdict, with a message naming what failed. Pure: no I/O, no allocation unless
//! something fails (or JSON has to be parsed).

use std::borrow::Cow;
use std::fmt::Write;
use std::time::Duration;

use http::HeaderMap;
use serde_json::Value;

use super::Failure;
use crate::config::{Expect, JsonStep};
use crate::result::ErrorKind;

/// The final response of a probe, as far as expectations can see it.
pub(crate) struct Response<'a> {
    pub(crate) status: u16,
    pub(crate) headers: &'a HeaderMap,
    /// The kept part of the body (at most the cap).
    pub(crate) body: &'a [u8],
    /// Whether the body was longer than what was kept.
    pub(crate) truncated: bool,
    /// Total duration of the probe, redirects included.
    pub(crate) duration: Duration,
}

/// Whether any expectation reads the body (if not, the body is counted but not kept).
pub(crate) fn needs_body(e: &Expect) -> bool {
    e.body_contains.is_some()
        || e.body_not_contains.is_some()
        || e.body_regex.is_some()
        || !e.json.is_empty()
}

pub(crate) fn check(e: &Expect, r: &Response<'_>) -> Result<(), Failure> {
    if !e.status.iter().any(|range| range.contains(&r.status)) {
        let mut ranges = String::new();
        for (i, range) in e.status.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            let _ = match range.start() == range.end() {
                true => write!(ranges, "{sep}{}", range.start()),
                false => write!(ranges, "{sep}{}-{}", range.start(), range.end()),
            };
        }
        return Err(fail(
            ErrorKind::Status,
            format!("status {} not in {ranges}", r.status),
        ));
    }
    let note = if r.truncated {
        " (only the first 1 MiB of the body is kept)"
    } else {
        ""
    };
    if e.body_contains.is_some() || e.body_not_contains.is_some() || e.body_regex.is_some() {
        let body = text(r.body);
        if let Some(needle) = &e.body_contains {
            if !body.contains(needle.as_str()) {
                let msg = format!("body does not contain {:?}{note}", clip(needle));
                return Err(fail(ErrorKind::Body, msg));
            }
        }
        if let Some(needle) = &e.body_not_contains {
            if body.contains(needle.as_str()) {
                return Err(fail(
                    ErrorKind::Body,
                    format!("body contains {:?}", clip(needle)),
                ));
            }
        }
        if let Some(re) = &e.body_regex {
            if !re.is_match(&body) {
                let msg = format!("body does not match {}{note}", clip(re.as_str()));
                return Err(fail(ErrorKind::Body, msg));
            }
        }
    }
    for (name, re) in &e.headers {
        let mut values = r.headers.get_all(name).iter().peekable();
        let Some(first) = values.peek().copied() else {
            return Err(fail(ErrorKind::Header, format!("header {name} missing")));
        };
        if !values.any(|v| re.is_match(&String::from_utf8_lossy(v.as_bytes()))) {
            let first = String::from_utf8_lossy(first.as_bytes());
            let msg = format!(
                "header {name} {:?} does not match {}",
                clip(&first),
                re.as_str()
            );
            return Err(fail(ErrorKind::Header, msg));
        }
    }
    if !e.json.is_empty() {
        let doc: Value = serde_json::from_slice(r.body)
            .map_err(|err| fail(ErrorKind::Json, format!("body is not JSON: {err}{note}")))?;
        for want in &e.json {
            match walk(&doc, &want.path) {
                None => {
                    return Err(fail(
                        ErrorKind::Json,
                        format!("{} not found", want.path_text),
                    ));
                }
                Some(got) if !json_eq(got, &want.equals) => {
                    let got = got.to_string();
                    let msg = format!(
                        "{} is {}, expected {}",
                        want.path_text,
                        clip(&got),
                        want.equals
                    );
                    return Err(fail(ErrorKind::Json, msg));
                }
                Some(_) => {}
            }
        }
    }
    if let Some(max) = e.max_response_time {
        if r.duration > max {
            let msg = format!(
                "response took {:.1} ms, more than max_response_time {}",
                r.duration.as_secs_f64() * 1e3,
                humantime::format_duration(max)
            );
            return Err(fail(ErrorKind::TooSlow, msg));
        }
    }
    Ok(())
}

fn fail(kind: ErrorKind, message: String) -> Failure {
    Failure { kind, message }
}

/// The body as text without copying it, unless it is not UTF-8 (beyond a character cut
/// in two by the cap).
fn text(body: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(body) {
        Ok(s) => Cow::Borrowed(s),
        Err(e) if e.error_len().is_none() => {
            Cow::Borrowed(std::str::from_utf8(&body[..e.valid_up_to()]).unwrap_or_default())
        }
        Err(_) => String::from_utf8_lossy(body),
    }
}

fn walk<'v>(doc: &'v Value, path: &[JsonStep]) -> Option<&'v Value> {
    path.iter().try_fold(doc, |v, step| match step {
        JsonStep::Key(k) => v.get(k.as_str()),
        JsonStep::Index(i) => v.get(*i),
    })
}

/// JSON equality where `1` equals `1.0`.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || x.as_f64() == y.as_f64(),
        _ => a == b,
    }
}

/// At most 120 characters of a value for a message.
fn clip(s: &str) -> Cow<'_, str> {
    match s.char_indices().nth(120) {
        Some((at, _)) => Cow::Owned(format!("{}...", &s[..at])),
        None => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::JsonExpect;
    use http::header::CONTENT_TYPE;
    use regex::Regex;

    /// The default expectations without following redirects: status 200-299.
    fn expect() -> Expect {
        Expect::clone(&Expect::shared_default(false))
    }

    fn run(e: &Expect, status: u16, headers: &HeaderMap, body: &str) -> Result<(), Failure> {
        let (body, truncated, duration) = (body.as_bytes(), false, Duration::from_millis(5));
        check(
            e,
            &Response {
                status,
                headers,
                body,
                truncated,
                duration,
            },
        )
    }

    fn message(r: Result<(), Failure>) -> (ErrorKind, String) {
        let f = r.unwrap_err();
        (f.kind, f.message)
    }

    #[test]
    fn table() {
        let none = HeaderMap::new();
        let mut html = HeaderMap::new();
        html.insert(CONTENT_TYPE, "text/html; charset=utf-8".parse().unwrap());
        let mut e = expect();
        assert!(run(&e, 204, &none, "").is_ok());
        e.status = vec![200..=299, 301..=301];
        let got = message(run(&e, 503, &none, ""));
        assert_eq!(
            got,
            (ErrorKind::Status, "status 503 not in 200-299, 301".into())
        );

        let mut e = expect();
        e.body_contains = Some("Đăng ký".into());
        assert!(run(&e, 200, &none, "<h1>Đăng ký</h1>").is_ok());
        let got = message(run(&e, 200, &none, "nothing"));
        assert_eq!(
            got,
            (ErrorKind::Body, "body does not contain \"Đăng ký\"".into())
        );

        let mut e = expect();
        e.body_not_contains = Some("Lỗi".into());
        assert!(run(&e, 200, &none, "ok").is_ok());
        assert_eq!(
            message(run(&e, 200, &none, "Lỗi hệ thống")).0,
            ErrorKind::Body
        );

        let mut e = expect();
        e.body_regex = Some(Regex::new(r"version \d+").unwrap());
        assert!(run(&e, 200, &none, "version 12").is_ok());
        assert_eq!(
            message(run(&e, 200, &none, "version x")).1,
            r"body does not match version \d+"
        );

        let mut e = expect();
        e.headers = vec![(CONTENT_TYPE, Regex::new("^text/html").unwrap())];
        assert!(run(&e, 200, &html, "").is_ok());
        assert_eq!(
            message(run(&e, 200, &none, "")).1,
            "header content-type missing"
        );
        let mut plain = HeaderMap::new();
        plain.insert(CONTENT_TYPE, "text/plain".parse().unwrap());
        let got = message(run(&e, 200, &plain, ""));
        let want = r#"header content-type "text/plain" does not match ^text/html"#;
        assert_eq!(got, (ErrorKind::Header, want.into()));

        let mut e = expect();
        e.max_response_time = Some(Duration::from_millis(1));
        assert_eq!(message(run(&e, 200, &none, "")).0, ErrorKind::TooSlow);
    }

    #[test]
    fn json_paths() {
        let none = HeaderMap::new();
        let mut e = expect();
        let step = |s: &str| JsonStep::Key(s.into());
        e.json = vec![
            JsonExpect {
                path_text: "$.status".into(),
                path: vec![step("status")],
                equals: "UP".into(),
            },
            JsonExpect {
                path_text: "$.db[1].ms".into(),
                path: vec![step("db"), JsonStep::Index(1), step("ms")],
                equals: 2.into(),
            },
        ];
        assert!(run(&e, 200, &none, r#"{"status":"UP","db":[{},{"ms":2.0}]}"#).is_ok());
        let got = message(run(&e, 200, &none, r#"{"status":"DOWN"}"#));
        assert_eq!(
            got,
            (
                ErrorKind::Json,
                r#"$.status is "DOWN", expected "UP""#.into()
            )
        );
        let got = message(run(&e, 200, &none, r#"{"status":"UP","db":[]}"#));
        assert_eq!(got.1, "$.db[1].ms not found");
        assert!(message(run(&e, 200, &none, "<html>"))
            .1
            .starts_with("body is not JSON"));
    }

    #[test]
    fn text_of_a_cut_body() {
        let s = "aé".as_bytes();
        assert_eq!(text(&s[..2]), "a");
        assert_eq!(text(b"a\xffb"), "a\u{fffd}b");
        assert_eq!(clip(&"x".repeat(200)).len(), 123);
    }
}
