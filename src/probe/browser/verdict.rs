//! The outcome of one page load: `down` when it did not load (the navigation's error
//! sorted into the kinds of http, else `browser`), when the main document's status is not
//! 2xx or 3xx, or when the load event came after `expect.max_response_time`; `degraded`
//! when a figure is over its threshold; `up` otherwise. A browser check's duration is the
//! end of its load event (`degraded_after` does not apply: its thresholds do).

use std::time::Duration;

use super::super::{Failure, Outcome, Phases};
use super::page::{LoadError, Loaded};
use crate::config::BrowserSpec;
use crate::result::{ErrorKind, ResultKind};

pub(super) fn loaded(loaded: Loaded, spec: &BrowserSpec) -> Outcome {
    let figures = loaded.figures;
    let expect = &spec.expect;
    let failure = match (loaded.status, expect.max_response_time) {
        (Some(s), _) if !(200..=399).contains(&s) => Some(Failure::new(
            ErrorKind::Status,
            format!("the page answered status {s}, expected 200-399"),
        )),
        (_, Some(max)) if figures.load > max => Some(Failure::new(
            ErrorKind::TooSlow,
            format!(
                "the load event ended at {}, after expect.max_response_time {}",
                ms(figures.load),
                ms(max)
            ),
        )),
        _ => None,
    };
    let over = figures
        .as_array()
        .iter()
        .zip(expect.as_array())
        .any(|(figure, threshold)| *figure > threshold);
    let (result, error, message) = match failure {
        Some(f) => (ResultKind::Down, Some(f.kind), Some(f.message)),
        None if over => (ResultKind::Degraded, None, None),
        None => (ResultKind::Up, None, None),
    };
    Outcome {
        duration: figures.load,
        phases: Phases::default(),
        status_code: loaded.status,
        cert_expiry: None,
        result,
        error,
        message,
        page: Some(figures),
    }
}

/// A load that gave no figures.
pub(super) fn failed_after(duration: Duration, f: Failure) -> Outcome {
    let result = match f.kind {
        ErrorKind::Vantage => ResultKind::Unknown,
        _ => ResultKind::Down,
    };
    Outcome {
        duration,
        phases: Phases::default(),
        status_code: None,
        cert_expiry: None,
        result,
        error: Some(f.kind),
        message: Some(f.message),
        page: None,
    }
}

/// Sorts a failed load into an error kind.
pub(super) fn failure_of(e: LoadError) -> Failure {
    match e {
        LoadError::Navigation(text) => {
            let kind = navigation_kind(&text);
            Failure::new(kind, format!("navigation failed: {text}"))
        }
        LoadError::NoPaint => Failure::new(
            ErrorKind::Browser,
            "the page loaded but painted no content (no First Contentful Paint)",
        ),
        LoadError::Cdp(e) => Failure::new(ErrorKind::Browser, e.to_string()),
        LoadError::Figures(m) => Failure::new(
            ErrorKind::Browser,
            format!("reading the page's figures: {m}"),
        ),
    }
}

/// The error kind of a Chromium network error (`net::ERR_...`), as the http probe
/// would have said it.
fn navigation_kind(text: &str) -> ErrorKind {
    let code = text.trim_start_matches("net::");
    match code {
        "ERR_NAME_NOT_RESOLVED" | "ERR_NAME_RESOLUTION_FAILED" => ErrorKind::Dns,
        "ERR_TIMED_OUT" | "ERR_CONNECTION_TIMED_OUT" => ErrorKind::Timeout,
        "ERR_HTTP_RESPONSE_CODE_FAILURE" => ErrorKind::Status,
        "ERR_EMPTY_RESPONSE"
        | "ERR_INVALID_RESPONSE"
        | "ERR_INVALID_HTTP_RESPONSE"
        | "ERR_TOO_MANY_REDIRECTS"
        | "ERR_INVALID_REDIRECT"
        | "ERR_CONTENT_LENGTH_MISMATCH"
        | "ERR_INCOMPLETE_CHUNKED_ENCODING" => ErrorKind::Http,
        c if c.starts_with("ERR_CERT_") => ErrorKind::Tls,
        c if c.starts_with("ERR_SSL_") => ErrorKind::Tls,
        c if c.starts_with("ERR_CONNECTION_") || c.starts_with("ERR_ADDRESS_") => {
            ErrorKind::Connect
        }
        "ERR_NETWORK_CHANGED" | "ERR_INTERNET_DISCONNECTED" => ErrorKind::Connect,
        _ => ErrorKind::Browser,
    }
}

fn ms(d: Duration) -> String {
    format!("{} ms", d.as_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_errors_take_the_kinds_of_http() {
        let cases = [
            ("net::ERR_NAME_NOT_RESOLVED", ErrorKind::Dns),
            ("net::ERR_CONNECTION_REFUSED", ErrorKind::Connect),
            ("net::ERR_CONNECTION_RESET", ErrorKind::Connect),
            ("net::ERR_CERT_DATE_INVALID", ErrorKind::Tls),
            ("net::ERR_SSL_PROTOCOL_ERROR", ErrorKind::Tls),
            ("net::ERR_TIMED_OUT", ErrorKind::Timeout),
            ("net::ERR_EMPTY_RESPONSE", ErrorKind::Http),
            ("net::ERR_ABORTED", ErrorKind::Browser),
        ];
        for (text, kind) in cases {
            assert_eq!(navigation_kind(text), kind, "{text}");
        }
    }
}
