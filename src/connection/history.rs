//! The mandate's history (docs/results.md, "Compliance over a period"): which systems'
//! standing changed since it was last recorded, and since when. Evaluated by the
//! recorder with the periodic alerts (`Recorder::periodic`, every 5 s); the changes go
//! to the writer with the alert changes. A standing holds until the next change.
//!
//! A system is connected at second `t` when one of its checks had an up or degraded
//! result in `[t - connection.window, t]` (as [`super::classify`] says), so the times
//! are exact, whenever the change is noticed: it became connected at the success that
//! connected it, and stopped being connected one second after the window that followed
//! its last success ended.

use crate::fleet::Fleet;
use crate::store::writer::ConnectionChange;
use crate::util::secs_i64;

/// The systems whose standing differs from the one last recorded, with the time it
/// changed; records the new standing in each system's live state.
pub fn changes(fleet: &Fleet, now: i64) -> Vec<ConnectionChange> {
    let window = fleet.config.connection.window;
    let reach = secs_i64(window);
    let mut out = Vec::new();
    for (sys, checks) in fleet.systems.iter().zip(&fleet.system_checks) {
        let last_ok: Vec<Option<i64>> = checks
            .iter()
            .map(|&i| {
                fleet.checks[i]
                    .live
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .last_ok_at
            })
            .collect();
        let connected = super::classify(&last_ok, now, window) == super::Connection::Connected;
        let mut live = sys.live.lock().unwrap_or_else(|p| p.into_inner());
        if live.recorded.is_some_and(|(_, c)| c == connected) {
            continue;
        }
        let since = crate::util::secs_before(now, window);
        let at = if connected {
            // The earliest of the successes that connect it now.
            last_ok
                .iter()
                .flatten()
                .filter(|&&t| t >= since)
                .min()
                .copied()
        } else {
            last_ok
                .iter()
                .flatten()
                .max()
                .map(|t| t.saturating_add(reach).saturating_add(1))
        };
        let earliest = live.recorded.map_or(i64::MIN, |(t, _)| t);
        let at = at.unwrap_or(now).clamp(earliest, now.max(earliest));
        live.recorded = Some((at, connected));
        out.push(ConnectionChange {
            agency: sys.agency.clone(),
            system: sys.system.clone(),
            at,
            connected,
        });
    }
    out
}
