//! What `emcd probe` prints: the target, the phase timings, the status, the certificate's
//! expiry and the verdict, one per line.

use std::fmt::Write;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{tls, Outcome, Phases};

/// `target` is the first line: `GET https://…`, `TCP host:port` or `TCP+TLS host:port`.
pub(super) fn render(target: &str, o: &Outcome, now: SystemTime) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{target}");
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for (name, d) in Phases::NAMES.iter().zip(o.phases.as_array()) {
        let _ = writeln!(out, "  {name:<11}{:>10.1} ms", ms(d));
    }
    let _ = writeln!(out, "  {:<11}{:>10.1} ms", "total", ms(o.duration));
    if let Some(status) = o.status_code {
        let _ = writeln!(out, "status       {status}");
    }
    if let Some(expiry) = o.cert_expiry {
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let days = (expiry - now).div_euclid(86_400);
        let when = tls::rfc3339(expiry);
        let days_ = |n: i64| crate::util::plural(usize::try_from(n).unwrap_or(0), "day");
        let _ = match days < 0 {
            true => writeln!(out, "certificate  expired {when} ({} ago)", days_(-days)),
            false => writeln!(out, "certificate  expires {when} ({} left)", days_(days)),
        };
    }
    let _ = match (o.error, &o.message) {
        (Some(kind), Some(message)) => {
            writeln!(out, "result       {} ({kind}): {message}", o.result)
        }
        _ => writeln!(out, "result       {}", o.result),
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{ErrorKind, ResultKind};

    fn outcome() -> Outcome {
        Outcome {
            page: None,
            duration: Duration::from_millis(30),
            phases: Phases {
                tls: Duration::from_millis(30),
                ..Phases::default()
            },
            status_code: Some(503),
            cert_expiry: Some(1_577_836_800 + 10 * 86_400),
            result: ResultKind::Down,
            error: Some(ErrorKind::Status),
            message: Some("status 503 not in 200-399".into()),
        }
    }

    #[test]
    fn renders_phases_expiry_and_verdict() {
        let now = UNIX_EPOCH + Duration::from_secs(1_577_836_800);
        let text = render("GET https://a.example/", &outcome(), now);
        assert!(text.starts_with("GET https://a.example/\n"), "{text}");
        assert!(text.contains("  tls              30.0 ms\n"), "{text}");
        assert!(text.contains("status       503\n"), "{text}");
        assert!(
            text.contains("expires 2020-01-11T00:00:00Z (10 days left)"),
            "{text}"
        );
        assert!(
            text.ends_with("result       down (status): status 503 not in 200-399\n"),
            "{text}"
        );
    }
}
