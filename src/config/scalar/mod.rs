//! Parsers for single config values (ids, durations, numbers, addresses, cron...). Each
//! returns the typed value or a message saying what is wrong and what is expected;
//! positions and field paths are added by the caller. No I/O, no environment. Values
//! of probes (URLs, statuses, JSONPath, headers, tokens) are in `probe`, a receiver's
//! `proxy` in `proxy`.

mod duration;
mod probe;
mod proxy;

use std::net::SocketAddr;
use std::str::FromStr;

pub use duration::*;
pub use probe::*;
pub use proxy::{proxy, redact};

/// A message for the user, without position.
pub type Msg = String;

/// `[a-z0-9-]{1,63}`: agency, system, check ids and receiver names.
pub fn id(s: &str) -> Result<String, Msg> {
    let ok = !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "invalid id {s:?}: expected 1 to 63 characters among a-z, 0-9 and -"
        ))
    }
}

/// YAML 1.2 booleans: `true`, `True`, `TRUE` and the same for false.
pub fn boolean(s: &str) -> Result<bool, Msg> {
    match s {
        "true" | "True" | "TRUE" => Ok(true),
        "false" | "False" | "FALSE" => Ok(false),
        _ => Err(format!("invalid boolean {s:?}: expected true or false")),
    }
}

/// A whole number in `min..=max`.
pub fn integer(s: &str, min: u64, max: u64) -> Result<u64, Msg> {
    match s.trim().parse::<i128>() {
        Ok(v) if v < i128::from(min) => Err(format!("{s} is too small: expected at least {min}")),
        Ok(v) if v > i128::from(max) => Err(format!("{s} is too large: expected at most {max}")),
        Ok(v) => Ok(v as u64),
        Err(_) => Err(format!(
            "invalid number {s:?}: expected a whole number from {min} to {max}"
        )),
    }
}

/// `slo.availability`: a percentage in (0, 100].
pub fn availability(s: &str) -> Result<f64, Msg> {
    match s.trim().parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 100.0 => Ok(v),
        Ok(_) => Err(format!(
            "availability {s} is out of range: expected a percentage above 0 and at most 100"
        )),
        Err(_) => Err(format!(
            "invalid availability {s:?}: expected a percentage such as 99.5"
        )),
    }
}

pub fn socket_addr(s: &str) -> Result<SocketAddr, Msg> {
    s.parse().map_err(|_| {
        format!("invalid listen address {s:?}: expected IP:PORT, e.g. 127.0.0.1:9464 or [::]:9464")
    })
}

/// A local IP address, e.g. `probing.source_address`.
pub fn ip_addr(s: &str) -> Result<std::net::IpAddr, Msg> {
    s.parse()
        .map_err(|_| format!("invalid IP address {s:?}: expected e.g. 10.0.0.5 or 2001:db8::5"))
}

pub fn timezone(s: &str) -> Result<chrono_tz::Tz, Msg> {
    s.parse().map_err(|_| {
        format!("unknown timezone {s:?}: expected an IANA time zone name such as Asia/Ho_Chi_Minh")
    })
}

/// `server.language`: `vi` or `en`.
pub fn language(s: &str) -> Result<crate::config::Language, Msg> {
    crate::config::Language::parse(s.trim())
        .ok_or_else(|| format!("unknown language {s:?}: expected vi (Vietnamese) or en (English)"))
}

/// `metrics.per_check`: `full` or `lean`.
pub fn per_check(s: &str) -> Result<crate::config::PerCheck, Msg> {
    use crate::config::PerCheck;
    match s.trim() {
        "full" => Ok(PerCheck::Full),
        "lean" => Ok(PerCheck::Lean),
        _ => Err(format!(
            "unknown metrics profile {s:?}: expected full (every per-check series) or lean (six a check)"
        )),
    }
}

/// Cron with seconds: `sec min hour day-of-month month day-of-week [year]`.
pub fn cron(s: &str) -> Result<cron::Schedule, Msg> {
    let fields = s.split_whitespace().count();
    if !(6..=7).contains(&fields) {
        return Err(format!(
            "invalid cron schedule {s:?}: expected 6 or 7 fields (sec min hour day-of-month \
             month day-of-week [year]), found {fields}"
        ));
    }
    cron::Schedule::from_str(s).map_err(|e| {
        // cron's message echoes the expression and a caret line; keep its explanation.
        let text = e.to_string();
        let why = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && *l != s.trim() && !l.chars().all(|c| c == '^'))
            .collect::<Vec<_>>()
            .join(" ");
        let why = if why.is_empty() {
            "syntax error".into()
        } else {
            why
        };
        format!("invalid cron schedule {s:?}: {why}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_tokens_and_others() {
        assert!(id("bo-tu-phap").is_ok());
        assert!(id("Bo").is_err() && id("").is_err() && id(&"a".repeat(64)).is_err());
        let hex = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
        let d = token_digest(&format!("sha256:{hex}")).unwrap();
        assert_eq!(d[0], 0x9f);
        assert_eq!(d[31], 0x08);
        assert!(token_digest(hex).is_err());
        assert!(token_digest("sha256:9f86d0").is_err());
        assert_eq!(
            http_url("/relative").unwrap_err(),
            "relative URL \"/relative\": use an absolute http:// or https:// URL"
        );
        assert_eq!(
            http_url("ftp://x.example/").unwrap_err(),
            "unsupported URL scheme \"ftp\" in \"ftp://x.example/\": use an absolute http:// or https:// URL"
        );
        assert_eq!(
            http_url("http://[::1/").unwrap_err(),
            "invalid URL \"http://[::1/\" (invalid IPv6 address): use an absolute http:// or https:// URL"
        );
        assert_eq!(
            regex("a(b").unwrap_err(),
            "invalid regex \"a(b\": unclosed group"
        );
        assert!(cron("0 0 2 * * Sun").is_ok());
        assert!(cron("0 0 2 * *").unwrap_err().contains("found 5"));
        assert!(cron("61 0 2 * * Sun").is_err());
        assert_eq!(method("GET"), Ok(http::Method::GET));
        assert!(method("get").is_err());
        assert_eq!(integer("3", 1, 10), Ok(3));
        assert_eq!(
            integer("0", 1, 10),
            Err("0 is too small: expected at least 1".into())
        );
        assert_eq!(
            integer("70000", 1, 65535),
            Err("70000 is too large: expected at most 65535".into())
        );
        assert!(integer("-1", 0, 10).is_err() && integer("x", 0, 10).is_err());
        assert!(availability("0").is_err() && availability("100").is_ok());
        assert!(socket_addr("localhost:80").is_err());
        assert!(timezone("Asia/Ho_Chi_Minh").is_ok());
    }
}
