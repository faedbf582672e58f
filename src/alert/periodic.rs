//! Alerts evaluated on a timer rather than per result (docs/alerts.md): `SystemNotConnected`
//! (a required system disconnected or unregistered for longer than
//! `connection.window`; held back while every check of the system has `CheckDown`
//! firing, which already pages that outage once per check) and `SLOBudgetBurn` (the multiwindow rule of the SRE workbook:
//! the last hour and the last 5 minutes both burn the 30-day error budget more than
//! 14.4 times as fast as allowed, with at least half the hour observed). Same rules,
//! same durable writes; the recorder evaluates them
//! (`Recorder::periodic`), the one entry that changes live state.

use std::time::Duration;

use super::evaluate::{write, Change, Subject};
use super::rules::{self, Policy};
use super::{maintenance, AlertName};
use crate::connection::{self, Connection};
use crate::fleet::Fleet;
use crate::sla::seconds::Seconds;
use crate::store::alerts::AlertWrite;

/// How often the periodic alerts are evaluated.
pub const EVERY: Duration = Duration::from_secs(5);
/// Burn rate above which `SLOBudgetBurn` fires (2% of a 30-day budget in one hour).
pub const BURN_RATE: f64 = 14.4;

/// The long window of the burn-rate rule, which decides, and the short one, which
/// confirms that the burn is still going on (seconds).
pub const LONG_WINDOW: i64 = 3600;
pub const SHORT_WINDOW: i64 = 300;
/// Share of the long window that must have been observed (results, not unknown time)
/// before the rule decides anything: a check seen for a minute, or just restarted into
/// an empty hour, neither fires nor resolves.
pub const MIN_COVERAGE: f64 = 0.5;

/// The burn-rate rule: `None` when too little of the long window was observed to say
/// (the alert then stays as it is), else whether both windows burn faster than
/// [`BURN_RATE`], and the long window's rate.
pub fn burning(
    long: Seconds,
    short: Seconds,
    slo_percent: f64,
    exclude: bool,
) -> Option<(bool, f64)> {
    let observed = long.covered();
    if observed < MIN_COVERAGE * LONG_WINDOW as f64 {
        return None;
    }
    let rate = |s: Seconds| s.availability(exclude).map(|a| burn_rate(a, slo_percent));
    let (long_rate, short_rate) = (rate(long)?, rate(short)?);
    Some((long_rate > BURN_RATE && short_rate > BURN_RATE, long_rate))
}

/// The burn rate of the error budget: (1 - availability) / (1 - SLO).
pub fn burn_rate(availability: f64, slo_percent: f64) -> f64 {
    let budget = 1.0 - slo_percent / 100.0;
    let burn = 1.0 - availability;
    if budget <= 0.0 {
        if burn > 0.0 {
            f64::INFINITY
        } else {
            0.0
        }
    } else {
        burn / budget
    }
}

/// Decides the periodic alerts of the whole fleet at `now`; returns the writes.
/// `adhoc`: the ad-hoc maintenance windows, applied as the config's.
pub fn evaluate(
    fleet: &Fleet,
    adhoc: &[crate::store::maintenance::Window],
    now: i64,
) -> Vec<AlertWrite> {
    let config = &fleet.config;
    let exclude = config.sla.exclude_maintenance;
    let repeat_interval = config.alerting.repeat_interval;
    let utc_now = chrono::DateTime::from_timestamp(now, 0).unwrap_or_default();
    let mut writes = Vec::new();
    for c in &fleet.checks {
        let (change, burn) = {
            let mut live = c.live.lock().unwrap_or_else(|p| p.into_inner());
            let long = live.recent.seconds(now - LONG_WINDOW, now);
            let short = live.recent.seconds(now - SHORT_WINDOW, now);
            let slo = c.config.policy.slo_availability;
            let Some((holds, burn)) = burning(long, short, slo, exclude) else {
                continue;
            };
            let burn = Some(burn);
            let slot = AlertName::SloBudgetBurn.slot();
            let before = live.alerts[slot];
            let policy = Policy {
                repeat_interval,
                in_maintenance: live.in_maintenance,
            };
            let (after, action) = rules::decide(before, holds, now, policy);
            live.alerts[slot] = after;
            let change = action.map(|action| Change {
                name: AlertName::SloBudgetBurn,
                action,
                starts_at: after.or(before).map_or(now, |f| f.starts_at),
            });
            (change, burn)
        };
        if let Some(change) = change {
            let slo = c.config.policy.slo_availability;
            let rate = burn.unwrap_or(0.0);
            writes.push(write(
                config,
                Subject { agency: &c.agency, system: &c.system, check: &c.check, vantage: None },
                change,
                format!("{}: error budget burning {rate:.1}x", c.id),
                format!(
                    "In the last hour check {} of {}/{} used its {slo}% SLO's 30-day error budget {rate:.1} times as fast as allowed (alert above {BURN_RATE}x)",
                    c.check, c.agency, c.system
                ),
                None,
                now,
            ));
        }
    }
    let window = crate::util::secs_i64(config.connection.window);
    for st in connection::systems(fleet, now)
        .into_iter()
        .filter(|s| s.required)
    {
        let sys = &fleet.systems[st.index];
        let paged = all_checks_down(fleet, st.index);
        let change = {
            let mut live = sys.live.lock().unwrap_or_else(|p| p.into_inner());
            if st.connection == Connection::Connected {
                live.not_connected_since = None;
            } else if live.not_connected_since.is_none() {
                live.not_connected_since = Some(now);
            }
            let holds = live
                .not_connected_since
                .is_some_and(|t| now.saturating_sub(t) >= window);
            let in_maintenance = maintenance::active_any(
                &config.maintenance,
                adhoc,
                config.sla.timezone,
                (&sys.agency, &sys.system, ""),
                utc_now,
            )
            .is_some();
            let before = live.alert;
            // One outage, one page: while CheckDown fires for every check of the
            // system, SystemNotConnected says nothing more, so it is held back as in
            // a maintenance window (it neither fires nor repeats; one already firing
            // stays until the system is connected again).
            let (after, action) = rules::decide(
                before,
                holds,
                now,
                Policy {
                    repeat_interval,
                    in_maintenance: in_maintenance || paged,
                },
            );
            live.alert = after;
            action.map(|action| {
                let since = live.not_connected_since.unwrap_or(now);
                (
                    Change {
                        name: AlertName::SystemNotConnected,
                        action,
                        starts_at: after.or(before).map_or(now, |f| f.starts_at),
                    },
                    since,
                )
            })
        };
        if let Some((change, since)) = change {
            let state = st.connection.as_str();
            writes.push(write(
                config,
                Subject { agency: &sys.agency, system: &sys.system, check: "", vantage: None },
                change,
                format!("{}/{} is not connected ({state})", sys.agency, sys.system),
                format!(
                    "Required system {}/{} has been {state} since {} (longer than connection.window {})",
                    sys.agency,
                    sys.system,
                    super::rfc3339(since),
                    humantime::format_duration(config.connection.window)
                ),
                None,
                now,
            ));
        }
    }
    writes
}

/// Whether the system has checks and `CheckDown` fires for every one of them.
fn all_checks_down(fleet: &Fleet, system: usize) -> bool {
    let checks = &fleet.system_checks[system];
    let slot = AlertName::CheckDown.slot();
    !checks.is_empty()
        && checks.iter().all(|&i| {
            let live = fleet.checks[i].live.lock();
            live.unwrap_or_else(|p| p.into_inner()).alerts[slot].is_some()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_burn_rule_needs_half_the_hour_and_both_windows() {
        let s = |available: f64, down: f64| Seconds {
            up: available,
            down,
            ..Seconds::default()
        };
        // A fresh start: one failed minute is no verdict at all.
        assert_eq!(burning(s(0.0, 60.0), s(0.0, 60.0), 99.5, true), None);
        // A restart into an empty hour: no verdict, so no resolve either.
        assert_eq!(burning(s(0.0, 0.0), s(0.0, 0.0), 99.5, true), None);
        // Half the hour seen, 20 % failing in both windows: burning 40x.
        let (holds, rate) = burning(s(1440.0, 360.0), s(240.0, 60.0), 99.5, true).unwrap();
        assert!(holds && (rate - 40.0).abs() < 1e-9);
        // The burn stopped 5 minutes ago: the long window alone does not hold.
        let (holds, _) = burning(s(2880.0, 720.0), s(300.0, 0.0), 99.5, true).unwrap();
        assert!(!holds);
        // A healthy hour.
        assert_eq!(
            burning(s(3600.0, 0.0), s(300.0, 0.0), 99.5, true),
            Some((false, 0.0))
        );
    }

    #[test]
    fn burn_rates() {
        // 20% failing against 99.5%: 40x.
        assert!((burn_rate(0.8, 99.5) - 40.0).abs() < 1e-9);
        assert!(burn_rate(0.99, 99.5) < BURN_RATE);
        assert!(burn_rate(0.9, 99.5) > BURN_RATE);
        assert_eq!(burn_rate(1.0, 100.0), 0.0);
        assert_eq!(burn_rate(0.99, 100.0), f64::INFINITY);
    }
}
