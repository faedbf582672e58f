//! The check policy and its inheritance: built-in values, then `defaults`, then the
//! check's own keys, each layer checked where it is written.

use std::time::Duration;

use super::super::model::Policy;
use super::super::raw::{PolicyRef, Spanned, Text};
use super::super::scalar::{self, fmt_duration, Msg};
use super::{idx, sub, Ctx};

/// docs/configuration.md values, used where `defaults` says nothing.
pub fn builtin() -> Policy {
    Policy {
        interval: Duration::from_secs(60),
        timeout: Duration::from_secs(10),
        failure_threshold: 3,
        success_threshold: 2,
        degraded_after: Duration::from_secs(3),
        slo_availability: 99.5,
        cert_min_days: 14,
        vantages: Vec::new(),
        quorum: None,
    }
}

fn threshold(s: &str) -> Result<u32, Msg> {
    scalar::integer(s, 1, u64::from(u32::MAX)).map(|n| n as u32)
}

/// Lays the keys written at `prefix` (the `defaults` section or a check) over `base`.
/// Reports bad values, and `timeout >= interval` when this layer sets either of them.
pub fn layer(ctx: &mut Ctx<'_>, keys: PolicyRef<'_>, prefix: &str, base: &Policy) -> Policy {
    let errors_before = ctx.errors.len();
    let p = Policy {
        interval: ctx.or(
            keys.interval,
            &sub(prefix, "interval"),
            base.interval,
            |s| scalar::INTERVAL.parse(s),
        ),
        timeout: ctx.or(keys.timeout, &sub(prefix, "timeout"), base.timeout, |s| {
            scalar::TIMEOUT.parse(s)
        }),
        failure_threshold: ctx.or(
            keys.failure_threshold,
            &sub(prefix, "failure_threshold"),
            base.failure_threshold,
            threshold,
        ),
        success_threshold: ctx.or(
            keys.success_threshold,
            &sub(prefix, "success_threshold"),
            base.success_threshold,
            threshold,
        ),
        degraded_after: ctx.or(
            keys.degraded_after,
            &sub(prefix, "degraded_after"),
            base.degraded_after,
            |s| scalar::DEGRADED_AFTER.parse(s),
        ),
        slo_availability: ctx.or(
            keys.slo_availability,
            &sub(prefix, "slo.availability"),
            base.slo_availability,
            scalar::availability,
        ),
        cert_min_days: ctx.or(
            keys.cert_min_days,
            &sub(prefix, "cert_min_days"),
            base.cert_min_days,
            |s| scalar::integer(s, 0, 36500).map(|n| n as u32),
        ),
        vantages: match keys.vantages {
            Some(list) => vantages(ctx, list, &sub(prefix, "vantages")),
            None => base.vantages.clone(),
        },
        quorum: match keys.quorum {
            Some(t) => ctx.parse(t, &sub(prefix, "quorum"), |s| {
                scalar::integer(s, 1, 1000).map(|n| n as u32)
            }),
            None => base.quorum,
        },
    };
    // A quorum must be reachable by the check's vantages where they are known: its own
    // list, else every declared vantage.
    if let (Some(q), Some(at)) = (
        p.quorum,
        keys.quorum
            .map(|t| t.referenced)
            .or(keys.vantages.map(|l| l.referenced)),
    ) {
        let of = if p.vantages.is_empty() {
            &ctx.vantages
        } else {
            &p.vantages
        };
        if !of.is_empty() && q as usize > of.len() {
            let key = if keys.quorum.is_some() {
                "quorum"
            } else {
                "vantages"
            };
            let message = format!(
                "quorum {q} is more than the check's {} vantages {of:?}",
                of.len()
            );
            ctx.error(at, &sub(prefix, key), message);
        }
    }
    // Compare only values that parsed, and only where this layer changed one of them.
    let culprit = keys
        .timeout
        .map(|t| (t, "timeout"))
        .or(keys.interval.map(|t| (t, "interval")));
    if let Some((at, key)) = culprit {
        if ctx.errors.len() == errors_before && p.timeout >= p.interval {
            ctx.error(
                at.referenced,
                &sub(prefix, key),
                format!(
                    "timeout {} must be shorter than interval {}",
                    fmt_duration(p.timeout),
                    fmt_duration(p.interval)
                ),
            );
        }
    }
    p
}

/// A list of vantage ids: at least one, each once, each declared in `vantages` if the
/// main file declares them.
fn vantages(ctx: &mut Ctx<'_>, list: &Spanned<Vec<Text>>, path: &str) -> Vec<String> {
    if list.value.is_empty() {
        let message = "expected at least one vantage, e.g. [hn-vnpt]";
        ctx.error(list.referenced, path, message);
        return Vec::new();
    }
    let mut out: Vec<String> = Vec::new();
    for (i, t) in list.value.iter().enumerate() {
        let Some(id) = ctx.parse(t, &idx(path, i), scalar::id) else {
            continue;
        };
        let message = if out.contains(&id) {
            format!("vantage {id:?} is listed twice")
        } else if !ctx.vantages.is_empty() && !ctx.vantages.contains(&id) {
            format!(
                "unknown vantage {id:?}: `vantages` declares {:?}",
                ctx.vantages
            )
        } else {
            out.push(id);
            continue;
        };
        ctx.error(t.referenced, &idx(path, i), message);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::raw::{CheckSection, MainFile};
    use std::path::Path;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn checks_inherit_defaults_and_override_any_key() {
        let main =
            "defaults:\n  interval: 30s\n  failure_threshold: 5\n  slo: {availability: 99.9}\n";
        let raw: MainFile = serde_saphyr::from_str(main).unwrap();
        let mut ctx = Ctx::new(Path::new("m.yaml"), main, &no_env);
        let defaults = raw.defaults.unwrap();
        let d = layer(&mut ctx, defaults.value.policy(), "defaults", &builtin());
        assert!(ctx.errors.is_empty());
        assert_eq!(d.interval, Duration::from_secs(30));
        assert_eq!(d.timeout, Duration::from_secs(10));
        assert_eq!(d.failure_threshold, 5);
        assert_eq!(d.slo_availability, 99.9);

        let check =
            "id: c\ntimeout: 2s\nsuccess_threshold: 1\ncert_min_days: 30\ndegraded_after: 1s\n";
        let raw: CheckSection = serde_saphyr::from_str(check).unwrap();
        let mut ctx = Ctx::new(Path::new("a.yaml"), check, &no_env);
        let c = layer(&mut ctx, raw.policy(), "checks[0]", &d);
        assert!(ctx.errors.is_empty());
        let expected = Policy {
            interval: Duration::from_secs(30),
            timeout: Duration::from_secs(2),
            failure_threshold: 5,
            success_threshold: 1,
            degraded_after: Duration::from_secs(1),
            slo_availability: 99.9,
            cert_min_days: 30,
            vantages: Vec::new(),
            quorum: None,
        };
        assert_eq!(c, expected);
    }

    #[test]
    fn timeout_is_checked_where_it_is_changed() {
        let d = Policy {
            interval: Duration::from_secs(20),
            ..builtin()
        };
        let check = "id: c\ninterval: 5s\n";
        let raw: CheckSection = serde_saphyr::from_str(check).unwrap();
        let mut ctx = Ctx::new(Path::new("a.yaml"), check, &no_env);
        layer(&mut ctx, raw.policy(), "c", &d);
        assert_eq!(
            ctx.errors[0].to_string(),
            "a.yaml:2:11: c.interval: timeout 10s must be shorter than interval 5s"
        );
    }
}
