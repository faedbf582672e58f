//! Applies the rules to one check after a result: which of its alerts fire, repeat or
//! resolve (under the check's lock, in memory), and the durable writes that notify
//! them (built outside the lock).

use std::sync::Arc;

use super::rules::{self, Action};
use super::{fingerprint, rfc3339, AlertName, Event, LastResultView, Named, Status};
use crate::check::state::Status as CheckStatus;
use crate::config::Config;
use crate::fleet::{CheckRuntime, LastResult, Live};
use crate::store::alerts::{AlertWrite, NewNotification};

/// One alert change decided for a check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    pub name: AlertName,
    pub action: Action,
    /// Unix seconds the alert started firing.
    pub starts_at: i64,
}

/// Whether each alert's condition holds for this live state at `now`.
fn holds(name: AlertName, live: &Live, cert_min_days: u32, now: i64) -> bool {
    match name {
        AlertName::CheckDown => live.state.status == CheckStatus::Down,
        AlertName::CheckDegraded => live.state.status == CheckStatus::Degraded,
        AlertName::CertificateExpiring => live
            .cert_expiry
            .is_some_and(|e| e - now < i64::from(cert_min_days) * 86_400),
    }
}

/// Decides every alert of the check and updates its slots. Call under the live lock.
pub fn decide(
    live: &mut Live,
    check: &CheckRuntime,
    config: &Config,
    in_maintenance: bool,
    now: i64,
) -> Vec<Change> {
    let policy = rules::Policy {
        repeat_interval: config.alerting.repeat_interval,
        in_maintenance,
    };
    let mut changes = Vec::new();
    for name in AlertName::PER_CHECK {
        let cond = holds(name, live, check.config.policy.cert_min_days, now);
        let before = live.alerts[name.slot()];
        let (after, action) = rules::decide(before, cond, now, policy);
        live.alerts[name.slot()] = after;
        if let Some(action) = action {
            let starts_at = after.or(before).map_or(now, |f| f.starts_at);
            changes.push(Change {
                name,
                action,
                starts_at,
            });
        }
    }
    changes
}

fn texts(
    name: AlertName,
    check: &CheckRuntime,
    agency: &str,
    system: &str,
    last: &LastResult,
    live_cert: Option<i64>,
    now: i64,
) -> (String, String) {
    let id = &check.id;
    match name {
        AlertName::CheckDown => (
            format!("{id} is down"),
            format!(
                "{agency} / {system}: check {} has failed {} times in a row; last error: {}{}",
                check.check,
                check.config.policy.failure_threshold,
                last.error.map_or("none", |e| e.as_str()),
                last.message
                    .as_deref()
                    .map(|m| format!(" ({m})"))
                    .unwrap_or_default(),
            ),
        ),
        AlertName::CheckDegraded => (
            format!("{id} is degraded"),
            format!(
                "{agency} / {system}: check {} answered slower than {} {} times in a row",
                check.check,
                humantime::format_duration(check.config.policy.degraded_after),
                check.config.policy.failure_threshold,
            ),
        ),
        AlertName::CertificateExpiring => {
            let expiry = live_cert.unwrap_or(now);
            (
                format!("{id}: TLS certificate expires in {} days", (expiry - now).div_euclid(86_400)),
                format!(
                    "{agency} / {system}: the earliest certificate of check {} expires at {} (alert below {} days)",
                    check.check,
                    rfc3339(expiry),
                    check.config.policy.cert_min_days,
                ),
            )
        }
    }
}

/// The durable writes for the changes: alert state and one notification per routed
/// receiver.
pub fn writes(
    changes: &[Change],
    check: &CheckRuntime,
    config: &Arc<Config>,
    last: &LastResult,
    cert_expiry: Option<i64>,
    now: i64,
) -> Vec<AlertWrite> {
    let agency = config.agencies.iter().find(|a| *a.id == *check.agency);
    let system = agency.and_then(|a| a.systems.iter().find(|s| *s.id == *check.system));
    let agency_name = agency.map_or_else(|| check.agency.to_string(), |a| a.name.clone());
    let system_name = system.map_or_else(|| check.system.to_string(), |s| s.name.clone());
    changes
        .iter()
        .map(|c| {
            let (summary, description) = texts(
                c.name,
                check,
                &agency_name,
                &system_name,
                last,
                cert_expiry,
                now,
            );
            let status = match c.action {
                Action::Resolve => Status::Resolved,
                Action::Fire | Action::Repeat => Status::Firing,
            };
            let event = Event {
                name: c.name,
                severity: c.name.severity().to_owned(),
                fingerprint: fingerprint(c.name, &check.agency, &check.system, &check.check),
                status,
                repeat: c.action == Action::Repeat,
                agency: Named {
                    id: check.agency.to_string(),
                    name: agency_name.clone(),
                },
                system: Named {
                    id: check.system.to_string(),
                    name: system_name.clone(),
                },
                check: check.check.to_string(),
                summary,
                description,
                starts_at: c.starts_at,
                ends_at: (status == Status::Resolved).then_some(now),
                last_result: Some(LastResultView {
                    at: last.at,
                    result: last.result.as_str().to_owned(),
                    error_kind: last.error.map(|e| e.as_str().to_owned()),
                    status_code: last.status_code,
                    duration_seconds: last.duration,
                    message: last.message.clone(),
                }),
            };
            let notifications = super::routes::receivers(&config.alerting, &event)
                .into_iter()
                .map(|r| NewNotification {
                    delivery_id: super::delivery_id(),
                    receiver: r.to_owned(),
                })
                .collect();
            AlertWrite {
                event,
                notified_at: now,
                notifications,
            }
        })
        .collect()
}
