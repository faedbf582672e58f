//! What the page says about states, standings, alerts and failures, in the request's
//! language: the words beside every colour (a colour alone is not enough), and why a
//! check is down or degraded (the expectation that failed with the text found or
//! missing, the status code, the certificate's expiry date). Only kinds and the
//! expectation's own text are shown, never the raw error message: it can name internal
//! hosts, and the page is public.

use chrono_tz::Tz;

use super::i18n::{date, decimal, t, tf, Lang};
use crate::alert::AlertName;
use crate::api::snapshot::Mandate;
use crate::check::state::CheckStatus;
use crate::connection::Connection;
use crate::fleet::LastResult;
use crate::result::{ErrorKind, ResultKind};

/// How bad something is, as the page colours it (`ok` green, `warn` amber, `bad` red).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Ok,
    Warn,
    Bad,
}

impl Level {
    pub fn class(self) -> &'static str {
        match self {
            Level::Ok => "ok",
            Level::Warn => "warn",
            Level::Bad => "bad",
        }
    }
}

pub fn mandate(lang: Lang, m: Mandate) -> &'static str {
    match m {
        Mandate::Met => t(lang, "mandate.met"),
        Mandate::Partial => t(lang, "mandate.partial"),
        Mandate::None => t(lang, "mandate.none"),
    }
}

pub fn connection(lang: Lang, c: Connection) -> &'static str {
    match c {
        Connection::Connected => t(lang, "connection.connected"),
        Connection::Disconnected => t(lang, "connection.disconnected"),
        Connection::Unregistered => t(lang, "connection.unregistered"),
    }
}

/// A check's state: its class and words. A check never measured is UP by the state
/// machine's rule, but says nothing yet (`pending`).
pub fn state(
    lang: Lang,
    status: CheckStatus,
    measured: bool,
    maintenance: bool,
) -> (&'static str, &'static str) {
    if !measured {
        return ("pending", t(lang, "state.pending"));
    }
    if maintenance {
        return ("maintenance", t(lang, "state.maintenance"));
    }
    match status {
        CheckStatus::Up => ("up", t(lang, "state.up")),
        CheckStatus::Degraded => ("degraded", t(lang, "state.degraded")),
        CheckStatus::Down => ("down", t(lang, "state.down")),
    }
}

pub fn alert(lang: Lang, name: AlertName) -> &'static str {
    match name {
        AlertName::CheckDown => t(lang, "alert.CheckDown"),
        AlertName::CheckDegraded => t(lang, "alert.CheckDegraded"),
        AlertName::CertificateExpiring => t(lang, "alert.CertificateExpiring"),
        AlertName::SloBudgetBurn => t(lang, "alert.SLOBudgetBurn"),
        AlertName::SystemNotConnected => t(lang, "alert.SystemNotConnected"),
        AlertName::VantageImpaired => t(lang, "alert.VantageImpaired"),
    }
}

/// Why the last result failed or was slow, in words; `None` for a success.
pub fn reason(lang: Lang, l: &LastResult, cert_expiry: Option<i64>, tz: Tz) -> Option<String> {
    if l.result == ResultKind::Degraded && l.error.is_none() {
        let ms = decimal(lang, l.duration * 1000.0, 0);
        return Some(tf(lang, "why.slow", &[&ms]));
    }
    if !matches!(l.result, ResultKind::Down | ResultKind::Degraded) {
        return None;
    }
    let kind = l.error?;
    let message = l.message.as_deref().unwrap_or_default();
    Some(match kind {
        ErrorKind::Status => match l.status_code {
            Some(code) => tf(lang, "why.status", &[&code.to_string()]),
            None => t(lang, "why.http").to_owned(),
        },
        ErrorKind::Body => body(lang, message),
        ErrorKind::Cert => match cert_expiry.or(l.cert_expiry) {
            Some(at) => tf(lang, "why.cert_expiry", &[&date(lang, at, tz)]),
            None => t(lang, "why.cert").to_owned(),
        },
        ErrorKind::TooSlow => {
            let ms = decimal(lang, l.duration * 1000.0, 0);
            tf(lang, "why.too_slow", &[&ms])
        }
        ErrorKind::Dns => t(lang, "why.dns").to_owned(),
        ErrorKind::Connect => t(lang, "why.connect").to_owned(),
        ErrorKind::Tls => t(lang, "why.tls").to_owned(),
        ErrorKind::Timeout => t(lang, "why.timeout").to_owned(),
        ErrorKind::Http => t(lang, "why.http").to_owned(),
        ErrorKind::Header => t(lang, "why.header").to_owned(),
        ErrorKind::Json => t(lang, "why.json").to_owned(),
        ErrorKind::Vantage => t(lang, "why.vantage").to_owned(),
        ErrorKind::Browser => t(lang, "why.browser").to_owned(),
    })
}

/// A failed body expectation, from the message `probe::expect` writes: the text the
/// page showed (`body contains "…"`) or lacked (`body does not contain "…"`).
fn body(lang: Lang, message: &str) -> String {
    let quoted = |rest: &str| -> Option<String> {
        let start = rest.find('"')?;
        let end = rest.rfind('"').filter(|&e| e > start)?;
        // The message quotes with Rust's `{:?}`: undo the common escapes.
        Some(
            rest[start + 1..end]
                .replace("\\\"", "\"")
                .replace("\\\\", "\\"),
        )
    };
    if let Some(text) = message.strip_prefix("body contains ").and_then(quoted) {
        return tf(lang, "why.body_contains", &[&text]);
    }
    if let Some(text) = message
        .strip_prefix("body does not contain ")
        .and_then(quoted)
    {
        return tf(lang, "why.body_lacks", &[&text]);
    }
    t(lang, "why.body").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::LastResult;

    fn down(error: ErrorKind, message: &str, code: Option<u16>) -> LastResult {
        LastResult {
            at: 0,
            result: ResultKind::Down,
            error: Some(error),
            status_code: code,
            duration: 0.25,
            phases: Default::default(),
            cert_expiry: None,
            message: Some(message.to_owned()),
            page: None,
        }
    }

    #[test]
    fn reasons_say_what_failed() {
        let tz = chrono_tz::Asia::Ho_Chi_Minh;
        let r = |l: &LastResult, lang| reason(lang, l, Some(1_796_198_645), tz).unwrap();
        let shown = down(ErrorKind::Body, "body contains \"Lỗi hệ thống\"", Some(200));
        assert_eq!(r(&shown, Lang::Vi), "Trang hiển thị “Lỗi hệ thống”");
        assert_eq!(r(&shown, Lang::En), "The page shows “Lỗi hệ thống”");
        let lacks = down(
            ErrorKind::Body,
            "body does not contain \"Đăng ký\" (first 64 KiB)",
            Some(200),
        );
        assert_eq!(r(&lacks, Lang::En), "The page lacks “Đăng ký”");
        assert_eq!(
            r(
                &down(ErrorKind::Status, "status 503 not in 200-399", Some(503)),
                Lang::Vi
            ),
            "Máy chủ trả về mã lỗi HTTP 503"
        );
        assert_eq!(
            r(
                &down(ErrorKind::Cert, "certificate expired", None),
                Lang::Vi
            ),
            "Chứng chỉ số hết hạn ngày 02/12/2026"
        );
        assert_eq!(
            r(&down(ErrorKind::Timeout, "x", None), Lang::En),
            "No answer in time"
        );
    }
}
