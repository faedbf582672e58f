//! The recorder's log lines: each alert change and each change of a check's state.

use crate::check::state;
use crate::fleet::{CheckRuntime, LastResult};
use crate::result::ErrorKind;
use crate::store::alerts::AlertWrite;

pub(super) fn log_alerts(alerts: &[AlertWrite]) {
    for w in alerts {
        let e = &w.event;
        tracing::info!(
            alert = e.name.as_str(),
            status = e.status.as_str(),
            repeat = e.repeat,
            agency = %e.agency.id,
            system = %e.system.id,
            check = %e.check,
            vantage = e.vantage.as_deref(),
            receivers = w.notifications.len(),
            summary = %e.summary,
            "alert"
        );
    }
}

pub(super) fn log_transition(check: &CheckRuntime, t: state::Transition, last: &LastResult) {
    let error = last.error.map(ErrorKind::as_str);
    if t.to == state::CheckStatus::Down {
        tracing::warn!(
            check = %check.id,
            from = t.from.as_str(),
            to = t.to.as_str(),
            error_kind = error,
            status_code = last.status_code,
            message = last.message.as_deref(),
            "check state changed"
        );
    } else {
        tracing::info!(check = %check.id, from = t.from.as_str(), to = t.to.as_str(), "check state changed");
    }
}
