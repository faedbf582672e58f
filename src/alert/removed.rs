//! Alerts of what a reload removed (docs/alerts.md, "Reloads"): a check or system that
//! leaves the config takes its firing alerts with it, each resolved (state, `ends_at`,
//! and a `resolved` notification to the receivers the new config routes it to), so the
//! database, the metrics, the API and the status page agree after any reload.

use super::evaluate::{write, Change, Subject};
use super::rules::Action;
use crate::alert_vocab::{AlertName, Firing};
use crate::fleet::Fleet;
use crate::store::alerts::AlertWrite;

/// The writes that resolve the firing alerts of checks and systems of `old` that are
/// not in `new`, at `now`. Names come from the old config; routes from the new one.
pub fn resolve_removed(old: &Fleet, new: &Fleet, now: i64) -> Vec<AlertWrite> {
    let mut writes = Vec::new();
    let mut resolve = |name: AlertName, firing: Firing, ids: [&str; 3], what: String| {
        let change = Change {
            name,
            action: Action::Resolve,
            starts_at: firing.starts_at,
        };
        let who = Subject {
            agency: ids[0],
            system: ids[1],
            check: ids[2],
            vantage: None,
        };
        let summary = format!("{what} was removed from the config");
        let description = format!(
            "{} resolved: {what} is no longer measured (config reload)",
            name.as_str()
        );
        // Routed by the new config (routes read ids and labels only); named from the old
        // one, which still has the agency and system the new one may have dropped.
        let mut w = write(&new.config, who, change, summary, description, None, now);
        let agency = old.config.agencies.iter().find(|a| a.id == ids[0]);
        if let Some(a) = agency {
            w.event.agency.name.clone_from(&a.name);
        }
        if let Some(s) = agency.and_then(|a| a.systems.iter().find(|s| s.id == ids[1])) {
            w.event.system.name.clone_from(&s.name);
        }
        writes.push(w);
    };
    for c in old.checks.iter().filter(|c| new.get(&c.id).is_none()) {
        let alerts = c.live.lock().unwrap_or_else(|p| p.into_inner()).alerts;
        for name in AlertName::PER_CHECK {
            if let Some(firing) = alerts[name.slot()] {
                let ids = [&*c.agency, &*c.system, &*c.check];
                resolve(name, firing, ids, format!("check {}", c.id));
            }
        }
    }
    for s in &old.systems {
        let kept = new
            .systems
            .iter()
            .any(|n| n.agency == s.agency && n.system == s.system);
        let alert = s.live.lock().unwrap_or_else(|p| p.into_inner()).alert;
        if let (false, Some(firing)) = (kept, alert) {
            let what = format!("system {}/{}", s.agency, s.system);
            resolve(
                AlertName::SystemNotConnected,
                firing,
                [&s.agency, &s.system, ""],
                what,
            );
        }
    }
    writes
}
