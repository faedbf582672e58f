//! Parsers for single config values (durations, ids, status ranges, JSONPath, tokens...).
//! Each returns the typed value or a message saying what is wrong and what is expected;
//! positions and field paths are added by the caller. No I/O, no environment.

use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::str::FromStr;
use std::time::Duration;

use http::{HeaderName, HeaderValue, Method};
use regex::Regex;
use url::Url;

use super::model::JsonStep;

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

/// A humantime duration such as `30s`, `5m`, `14d`.
pub fn duration(s: &str) -> Result<Duration, Msg> {
    humantime::parse_duration(s.trim())
        .map_err(|e| format!("invalid duration {s:?}: {e}; write e.g. 500ms, 30s, 5m, 2h, 14d"))
}

/// A duration longer than zero.
pub fn positive_duration(s: &str) -> Result<Duration, Msg> {
    let d = duration(s)?;
    if d.is_zero() {
        return Err(format!(
            "invalid duration {s:?}: expected a duration longer than 0"
        ));
    }
    Ok(d)
}

/// Formats a duration the way it is usually written in the file: in the largest of
/// d, h, m, s, ms that divides it (`400d`, `90s`, `500ms`), else humantime's form.
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms == 0 {
        return "0s".into();
    }
    let units = [
        (86_400_000, "d"),
        (3_600_000, "h"),
        (60_000, "m"),
        (1000, "s"),
        (1, "ms"),
    ];
    match units.iter().find(|(n, _)| ms % n == 0) {
        Some((n, unit)) if d.subsec_nanos() % 1_000_000 == 0 => format!("{}{unit}", ms / n),
        _ => humantime::format_duration(d).to_string(),
    }
}

pub fn boolean(s: &str) -> Result<bool, Msg> {
    match s {
        "true" => Ok(true),
        "false" => Ok(false),
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

pub fn timezone(s: &str) -> Result<chrono_tz::Tz, Msg> {
    s.parse().map_err(|_| {
        format!("unknown timezone {s:?}: expected an IANA time zone name such as Asia/Ho_Chi_Minh")
    })
}

/// An absolute `http` or `https` URL. The message of a parse error is `url`'s own.
pub fn http_url(s: &str) -> Result<Url, Msg> {
    let url = Url::parse(s).map_err(|e| e.to_string())?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(format!("URL {s:?} has no host")),
        other => Err(format!(
            "unsupported URL scheme {other:?}: expected http or https"
        )),
    }
}

pub fn regex(s: &str) -> Result<Regex, Msg> {
    Regex::new(s).map_err(|e| {
        // regex's message spans several lines (pattern, caret, error); keep the last one.
        let text = e.to_string();
        let last = text
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        let last = last.trim().trim_start_matches("error: ");
        format!("invalid regex {s:?}: {last}")
    })
}

const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

pub fn method(s: &str) -> Result<Method, Msg> {
    if METHODS.contains(&s) {
        Ok(Method::from_bytes(s.as_bytes()).expect("standard method"))
    } else {
        Err(format!(
            "invalid HTTP method {s:?}: expected one of {}",
            METHODS.join(", ")
        ))
    }
}

pub fn header_name(s: &str) -> Result<HeaderName, Msg> {
    HeaderName::from_bytes(s.as_bytes()).map_err(|_| {
        format!("invalid header name {s:?}: expected letters, digits and !#$%&'*+-.^_`|~ only")
    })
}

/// Never echoes the value: it may be a secret.
pub fn header_value(s: &str) -> Result<HeaderValue, Msg> {
    HeaderValue::from_str(s).map_err(|_| {
        "invalid header value: control characters and line breaks are not allowed".into()
    })
}

/// One entry of `expect.status`: a code (`404`) or a range (`200-299`), within 100-599.
pub fn status(s: &str) -> Result<RangeInclusive<u16>, Msg> {
    let code = |t: &str| -> Result<u16, Msg> {
        let n: u16 = t.trim().parse().map_err(|_| {
            format!("invalid status {s:?}: expected a code (e.g. 200) or a range (e.g. 200-299)")
        })?;
        if (100..=599).contains(&n) {
            Ok(n)
        } else {
            Err(format!(
                "status code {n} is out of range: expected 100 to 599"
            ))
        }
    };
    match s.split_once('-') {
        None => code(s).map(|c| c..=c),
        Some((lo, hi)) => {
            let (lo, hi) = (code(lo)?, code(hi)?);
            if lo <= hi {
                Ok(lo..=hi)
            } else {
                Err(format!(
                    "invalid status range {s:?}: {lo} is greater than {hi}"
                ))
            }
        }
    }
}

/// The JSONPath subset `$`, `$.a.b[0].c`: keys after `.`, array indices in `[]`.
pub fn json_path(s: &str) -> Result<Vec<JsonStep>, Msg> {
    let bad =
        |why: &str| format!("invalid JSONPath {s:?}: {why} (expected e.g. $.data.items[0].status)");
    let rest = s
        .strip_prefix('$')
        .ok_or_else(|| bad("must start with $"))?;
    let mut steps = Vec::new();
    let mut rest = rest;
    while let Some(c) = rest.chars().next() {
        if c == '.' {
            let end = rest[1..].find(['.', '[']).map_or(rest.len(), |i| i + 1);
            let key = &rest[1..end];
            if key.is_empty() {
                return Err(bad("empty key after ."));
            }
            if key.contains(']') {
                return Err(bad("unexpected ]"));
            }
            steps.push(JsonStep::Key(key.to_owned()));
            rest = &rest[end..];
        } else if c == '[' {
            let end = rest.find(']').ok_or_else(|| bad("missing ]"))?;
            let index = rest[1..end]
                .parse::<usize>()
                .map_err(|_| bad("an index in [] must be a whole number"))?;
            steps.push(JsonStep::Index(index));
            rest = &rest[end + 1..];
        } else {
            return Err(bad(&format!("unexpected {c:?}, expected . or [")));
        }
    }
    Ok(steps)
}

/// `sha256:` + 64 hex digits: the digest of a push token.
pub fn token_digest(s: &str) -> Result<[u8; 32], Msg> {
    let expected = "expected sha256: followed by 64 hex digits (see `emcd token`)";
    let hex = s
        .strip_prefix("sha256:")
        .ok_or_else(|| format!("invalid token digest: {expected}"))?;
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "invalid token digest: {expected}, found {} characters after sha256:",
            hex.chars().count()
        ));
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("checked hex");
    }
    Ok(out)
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
    fn durations() {
        assert_eq!(duration("30s"), Ok(Duration::from_secs(30)));
        assert_eq!(duration("14d"), Ok(Duration::from_secs(14 * 86400)));
        assert_eq!(duration("1m 30s"), Ok(Duration::from_secs(90)));
        assert_eq!(duration("0"), Ok(Duration::ZERO));
        assert_eq!(
            duration("10"),
            Err(
                "invalid duration \"10\": time unit needed, for example 10sec or 10ms; \
                 write e.g. 500ms, 30s, 5m, 2h, 14d"
                    .into()
            )
        );
        assert!(duration("fast").is_err());
        assert_eq!(fmt_duration(Duration::from_secs(90)), "90s");
        assert_eq!(fmt_duration(Duration::from_secs(400 * 86400)), "400d");
        assert_eq!(fmt_duration(Duration::from_secs(7200)), "2h");
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1500ms");
        assert_eq!(fmt_duration(Duration::ZERO), "0s");
    }

    #[test]
    fn statuses() {
        assert_eq!(status("200-299"), Ok(200..=299));
        assert_eq!(status("404"), Ok(404..=404));
        assert_eq!(
            status("600"),
            Err("status code 600 is out of range: expected 100 to 599".into())
        );
        assert_eq!(
            status("299-200"),
            Err("invalid status range \"299-200\": 299 is greater than 200".into())
        );
        assert!(status("2xx").is_err());
        assert!(status("200-").is_err());
    }

    #[test]
    fn json_paths() {
        use JsonStep::{Index, Key};
        assert_eq!(json_path("$"), Ok(vec![]));
        assert_eq!(json_path("$.status"), Ok(vec![Key("status".into())]));
        assert_eq!(
            json_path("$.a.b[0].c"),
            Ok(vec![
                Key("a".into()),
                Key("b".into()),
                Index(0),
                Key("c".into())
            ])
        );
        assert_eq!(json_path("$[2][3]"), Ok(vec![Index(2), Index(3)]));
        assert_eq!(
            json_path("status"),
            Err("invalid JSONPath \"status\": must start with $ (expected e.g. $.data.items[0].status)".into())
        );
        for bad in ["$.", "$..a", "$.a[", "$.a[x]", "$.a[-1]", "$a", "$.a]"] {
            assert!(json_path(bad).is_err(), "{bad}");
        }
    }

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
            http_url("relative").unwrap_err(),
            "relative URL without a base"
        );
        assert!(http_url("ftp://x.example/").is_err());
        assert_eq!(
            regex("a(b").unwrap_err(),
            "invalid regex \"a(b\": unclosed group"
        );
        assert!(cron("0 0 2 * * Sun").is_ok());
        assert!(cron("0 0 2 * *").unwrap_err().contains("found 5"));
        assert!(cron("61 0 2 * * Sun").is_err());
        assert_eq!(method("GET"), Ok(Method::GET));
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
