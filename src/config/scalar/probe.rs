//! Parsers for the values of probes: URLs, methods, headers, regexes, status codes and
//! ranges, the JSONPath subset, push token digests.

use std::ops::RangeInclusive;

use http::{HeaderName, HeaderValue, Method};
use regex::Regex;
use url::Url;

use super::super::model::JsonStep;
use super::Msg;

/// An absolute `http` or `https` URL; an error quotes the URL and says what is allowed.
pub fn http_url(s: &str) -> Result<Url, Msg> {
    let absolute = "use an absolute http:// or https:// URL";
    let url = Url::parse(s).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => format!("relative URL {s:?}: {absolute}"),
        e => format!("invalid URL {s:?} ({e}): {absolute}"),
    })?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(format!("URL {s:?} has no host: {absolute}")),
        other => Err(format!(
            "unsupported URL scheme {other:?} in {s:?}: {absolute}"
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
