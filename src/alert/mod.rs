//! Alerting (docs/alerts.md): which alerts a check has (`rules`, a pure decision), when a check
//! is in a maintenance window (`maintenance`), who gets an alert (`routes`), what is
//! sent (`payload`), and the per-receiver delivery tasks that only deliver (`sender`).
//! Alert state changes and their notifications are made durable together by the store
//! writer; the senders work from that outbox.

pub mod adhoc;
pub mod client;
mod dispatch;
pub mod evaluate;
pub mod maintenance;
pub mod payload;
pub mod periodic;
pub mod removed;
pub mod retry;
pub mod routes;
pub mod rules;
pub mod sender;
pub mod senders;

pub use crate::alert_vocab::*;
pub use crate::util::rfc3339;

/// Puts alerts that were firing when emcd stopped back into the fleet, with the check
/// state that explains them, so they are neither notified again nor resolved before a
/// new result says so.
pub fn restore(fleet: &crate::fleet::Fleet, firing: &[crate::store::alerts::AlertRow]) -> usize {
    use crate::check::state::CheckStatus as S;
    let mut restored = 0;
    for row in firing.iter().filter(|r| r.state == Status::Firing) {
        let Some(name) = AlertName::parse(&row.alertname) else {
            continue;
        };
        let firing = Firing {
            starts_at: row.starts_at,
            last_notified_at: row.last_notified_at,
        };
        if name == AlertName::VantageImpaired {
            continue; // restored by the canary job, which holds its slot
        }
        if name == AlertName::SystemNotConnected {
            if let Some(sys) = fleet
                .systems
                .iter()
                .find(|s| *s.agency == *row.agency && *s.system == *row.system)
            {
                let mut live = sys.live.lock().unwrap_or_else(|p| p.into_inner());
                live.alert = Some(firing);
                live.not_connected_since = Some(row.starts_at);
                restored += 1;
            }
            continue;
        }
        let Some(check) = fleet.get_str(&format!("{}/{}/{}", row.agency, row.system, row.check))
        else {
            continue;
        };
        let policy = &check.config.policy;
        let mut live = check.live.lock().unwrap_or_else(|p| p.into_inner());
        live.alerts[name.slot()] = Some(firing);
        match name {
            AlertName::CheckDown => {
                live.state.status = S::Down;
                live.state.down_streak = policy.failure_threshold;
            }
            AlertName::CheckDegraded => {
                live.state.status = S::Degraded;
                live.state.degraded_streak = policy.failure_threshold;
                live.state.ok_streak = policy.success_threshold;
            }
            AlertName::CertificateExpiring
            | AlertName::SloBudgetBurn
            | AlertName::SystemNotConnected
            | AlertName::VantageImpaired => {}
        }
        restored += 1;
    }
    restored
}
