//! Applies the rules to one check after a result: which of its alerts fire, repeat or
//! resolve (under the check's lock, in memory), and the durable writes that notify
//! them (built outside the lock).

use std::sync::Arc;

use super::rules::{self, Action};
use super::{fingerprint, rfc3339, AlertName, Event, LastResultView, Named, Status};
use crate::check::state::CheckStatus;
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
        AlertName::SloBudgetBurn | AlertName::SystemNotConnected | AlertName::VantageImpaired => {
            false
        }
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
    for name in AlertName::ON_RESULT {
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
        AlertName::SloBudgetBurn | AlertName::SystemNotConnected | AlertName::VantageImpaired => {
            unreachable!(
                "{} is evaluated periodically, not per result",
                name.as_str()
            )
        }
    }
}

/// Who an alert is about: names for the notification, ids for the labels.
pub struct Subject<'a> {
    pub agency: &'a str,
    pub system: &'a str,
    /// Empty for a system-level alert.
    pub check: &'a str,
    /// Set for an alert about a vantage (then the others are empty).
    pub vantage: Option<&'a str>,
}

/// The durable write of one alert change: its state and one notification per routed
/// receiver.
pub fn write(
    config: &Config,
    who: Subject<'_>,
    change: Change,
    summary: String,
    description: String,
    last_result: Option<LastResultView>,
    now: i64,
) -> AlertWrite {
    let agency = config.agencies.iter().find(|a| a.id == who.agency);
    let system = agency.and_then(|a| a.systems.iter().find(|s| s.id == who.system));
    let status = match change.action {
        Action::Resolve => Status::Resolved,
        Action::Fire | Action::Repeat => Status::Firing,
    };
    let event = Event {
        name: change.name,
        severity: change.name.severity().to_owned(),
        fingerprint: fingerprint(
            change.name,
            who.agency,
            who.system,
            who.vantage.unwrap_or(who.check),
        ),
        status,
        repeat: change.action == Action::Repeat,
        agency: Named {
            id: who.agency.to_owned(),
            name: agency.map_or_else(|| who.agency.to_owned(), |a| a.name.clone()),
        },
        system: Named {
            id: who.system.to_owned(),
            name: system.map_or_else(|| who.system.to_owned(), |s| s.name.clone()),
        },
        check: who.check.to_owned(),
        summary,
        description,
        starts_at: change.starts_at,
        ends_at: (status == Status::Resolved).then_some(now),
        last_result,
        vantage: who.vantage.map(str::to_owned),
        runbook_url: config.alerting.runbook_url(
            change.name.as_str(),
            [
                who.agency,
                who.system,
                who.check,
                who.vantage.unwrap_or_default(),
            ],
        ),
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
}

/// The last result as notifications show it.
pub fn view(last: &LastResult) -> LastResultView {
    LastResultView {
        at: last.at,
        result: last.result.as_str().to_owned(),
        error_kind: last.error.map(|e| e.as_str().to_owned()),
        status_code: last.status_code,
        duration_seconds: last.duration,
        message: last.message.clone(),
    }
}

/// The durable writes for the result-driven changes of a check.
pub fn writes(
    changes: &[Change],
    check: &CheckRuntime,
    config: &Arc<Config>,
    last: &LastResult,
    cert_expiry: Option<i64>,
    now: i64,
) -> Vec<AlertWrite> {
    let agency_name = config
        .agencies
        .iter()
        .find(|a| *a.id == *check.agency)
        .map_or("", |a| a.name.as_str());
    let system_name = config
        .agencies
        .iter()
        .find(|a| *a.id == *check.agency)
        .and_then(|a| a.systems.iter().find(|s| *s.id == *check.system))
        .map_or("", |s| s.name.as_str());
    changes
        .iter()
        .map(|c| {
            let (summary, description) = texts(
                c.name,
                check,
                agency_name,
                system_name,
                last,
                cert_expiry,
                now,
            );
            let who = Subject {
                agency: &check.agency,
                system: &check.system,
                check: &check.check,
                vantage: None,
            };
            write(config, who, *c, summary, description, Some(view(last)), now)
        })
        .collect()
}

#[cfg(test)]
mod tests;
