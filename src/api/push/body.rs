//! The optional JSON body of a push and its bounds (docs/limits.md, "Push API"): a
//! duration must be a number of seconds from 0 to one day, and a message longer than
//! 1 KiB is stored cut at a character boundary and marked as truncated.

use serde::Deserialize;
use serde_json::value::RawValue;

/// Longest stored message, in bytes, marker included.
pub const MAX_MESSAGE: usize = 1024;
/// What ends a message that was cut.
pub const TRUNCATED: &str = "… [truncated]";
/// Longest accepted `duration_seconds`: one day.
pub const MAX_DURATION_SECONDS: f64 = 86_400.0;
/// Longest piece of a rejected value quoted back in an error.
const QUOTE: usize = 64;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    /// `up` (default) or `down`.
    status: Option<Reported>,
    /// Kept as written, so that a value out of range (even out of `f64`'s) is quoted
    /// back as sent.
    duration_seconds: Option<Box<RawValue>>,
    message: Option<String>,
}

#[derive(Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Reported {
    Up,
    Down,
}

/// A valid push.
#[derive(Debug, PartialEq)]
pub struct Push {
    pub up: bool,
    /// Seconds, in `0..=MAX_DURATION_SECONDS`.
    pub duration: f64,
    /// At most [`MAX_MESSAGE`] bytes.
    pub message: Option<String>,
}

/// Parses and checks a push body (empty or blank is `up`, 0 s, no message). `Err` is
/// the message of the 400 answer: it names the field and quotes the value.
pub fn parse(body: &[u8]) -> Result<Push, String> {
    let raw: Raw = if body.iter().all(u8::is_ascii_whitespace) {
        Raw::default()
    } else {
        serde_json::from_slice(body).map_err(|e| {
            format!("body must be {{\"status\": \"up\"|\"down\", \"duration_seconds\": N, \"message\": \"...\"}}: {e}")
        })?
    };
    let duration = match raw.duration_seconds.as_deref().map(RawValue::get) {
        None | Some("null") => 0.0,
        Some(text) => duration(text)?,
    };
    Ok(Push {
        up: raw.status != Some(Reported::Down),
        duration,
        message: raw.message.map(truncate),
    })
}

fn duration(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(d) if (0.0..=MAX_DURATION_SECONDS).contains(&d) => Ok(d),
        _ => Err(format!(
            "duration_seconds must be a number of seconds from 0 to {MAX_DURATION_SECONDS}, got {}",
            cut(text, QUOTE)
        )),
    }
}

/// `message` as stored: unchanged up to [`MAX_MESSAGE`] bytes, otherwise cut at a
/// character boundary and ended with [`TRUNCATED`], [`MAX_MESSAGE`] bytes at most.
pub fn truncate(message: String) -> String {
    if message.len() <= MAX_MESSAGE {
        return message;
    }
    let mut m = cut(&message, MAX_MESSAGE - TRUNCATED.len()).to_owned();
    m.push_str(TRUNCATED);
    m
}

/// The longest prefix of `s` of at most `max` bytes that ends on a character boundary.
fn cut(s: &str, max: usize) -> &str {
    let mut end = max.min(s.len());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(body: &str) -> String {
        parse(body.as_bytes()).unwrap_err()
    }

    #[test]
    fn defaults_and_valid_bodies() {
        let up = Push {
            up: true,
            duration: 0.0,
            message: None,
        };
        assert_eq!(parse(b""), Ok(up));
        assert_eq!(parse(b" \n").unwrap().duration, 0.0);
        let p = parse(br#"{"status": "down", "duration_seconds": 0.25, "message": "x"}"#);
        assert_eq!(
            p,
            Ok(Push {
                up: false,
                duration: 0.25,
                message: Some("x".into())
            })
        );
        let p = parse(br#"{"status": null, "duration_seconds": null, "message": null}"#);
        assert_eq!(p.unwrap().duration, 0.0);
        assert_eq!(
            parse(br#"{"duration_seconds": 86400}"#).unwrap().duration,
            86_400.0
        );
    }

    #[test]
    fn absurd_durations_name_the_field_and_quote_the_value() {
        for (v, quoted) in [
            ("1e300", "1e300"),
            ("1e400", "1e400"),
            ("-1", "-1"),
            ("-0.0001", "-0.0001"),
            ("86400.5", "86400.5"),
            ("\"NaN\"", "\"NaN\""),
            ("\"inf\"", "\"inf\""),
            ("true", "true"),
            ("[1]", "[1]"),
        ] {
            let e = err(&format!("{{\"duration_seconds\": {v}}}"));
            assert!(e.starts_with("duration_seconds must be"), "{v}: {e}");
            assert!(e.ends_with(&format!("got {quoted}")), "{v}: {e}");
        }
        // A long value is quoted in part only.
        let long = format!("\"{}\"", "9".repeat(10_000));
        assert!(err(&format!("{{\"duration_seconds\": {long}}}")).len() < 200);
    }

    #[test]
    fn malformed_bodies_say_what_is_expected() {
        assert!(err(r#"{"status": "sideways"}"#).contains("status"));
        assert!(err(r#"{"extra": 1}"#).contains("extra"));
        assert!(err("not json").starts_with("body must be"));
    }

    #[test]
    fn long_messages_are_cut_at_a_char_boundary_and_marked() {
        assert_eq!(truncate("short".into()), "short");
        let exact = "a".repeat(MAX_MESSAGE);
        assert_eq!(truncate(exact.clone()), exact, "1 KiB exactly is kept");
        for unit in ["a", "ệ", "😀"] {
            let m = truncate(unit.repeat(65_000 / unit.len()));
            assert!(m.len() <= MAX_MESSAGE, "{}", m.len());
            assert!(m.len() > MAX_MESSAGE - TRUNCATED.len() - 4, "{}", m.len());
            assert!(m.ends_with(TRUNCATED));
            let kept = &m[..m.len() - TRUNCATED.len()];
            assert!(kept.chars().all(|c| c.to_string() == unit), "{unit}");
        }
        let p = parse(format!("{{\"message\": \"{}\"}}", "x".repeat(5000)).as_bytes());
        assert_eq!(p.unwrap().message.unwrap().len(), MAX_MESSAGE);
    }
}
