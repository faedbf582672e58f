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
        let last_ok = super::last_oks(fleet, checks);
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;

    /// One system `s` with checks `a` and `b`, and one system `none` without checks;
    /// `connection.window` 15 minutes.
    fn fleet(dir: &std::path::Path) -> Fleet {
        std::fs::create_dir_all(dir.join("agencies")).unwrap();
        std::fs::write(
            dir.join("emcd.yaml"),
            "connection: {window: 15m}\ninclude: [agencies/*.yaml]\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("agencies/t.yaml"),
            "agency: {id: t, code: T, name: T, kind: province}\nsystems:\n\
             \x20 - {id: s, name: S, kind: tthc, checks: [{id: a, http: {url: \"http://127.0.0.1:9/\"}}, \
             {id: b, http: {url: \"http://127.0.0.1:9/\"}}]}\n\
             \x20 - {id: none, name: N, kind: tthc, checks: []}\n",
        )
        .unwrap();
        let config = Arc::new(crate::config::load(&dir.join("emcd.yaml")).unwrap());
        let ids: HashMap<String, i64> = [("t/s/a".to_owned(), 1), ("t/s/b".to_owned(), 2)].into();
        Fleet::build(config, &ids)
    }

    fn ok_at(f: &Fleet, check: usize, t: i64) {
        f.checks[check].live.lock().unwrap().last_ok_at = Some(t);
    }

    fn seen(f: &Fleet, now: i64) -> Vec<(&'static str, i64, bool)> {
        changes(f, now)
            .into_iter()
            .map(|c| {
                (
                    if &*c.system == "s" { "s" } else { "none" },
                    c.at,
                    c.connected,
                )
            })
            .collect()
    }

    #[test]
    fn changes_carry_the_time_they_happened_and_come_once() {
        let dir = tempfile::tempdir().unwrap();
        let f = fleet(dir.path());
        // First round: nothing succeeded yet, both not connected since now.
        assert_eq!(seen(&f, 1000), [("s", 1000, false), ("none", 1000, false)]);
        assert_eq!(seen(&f, 1005), [], "no change, nothing recorded again");
        // Both checks succeed before the next round: connected at the earlier success.
        ok_at(&f, 1, 1003);
        ok_at(&f, 0, 1001);
        assert_eq!(seen(&f, 1010), [("s", 1001, true)]);
        // The last success at 1500; the window ends at 2400, so not connected from 2401,
        // however late the round notices it.
        ok_at(&f, 0, 1500);
        assert_eq!(seen(&f, 2400), [], "still within the window");
        assert_eq!(seen(&f, 5000), [("s", 2401, false)]);
        // A success older than the window does not connect.
        ok_at(&f, 1, 4000);
        assert_eq!(seen(&f, 5000), []);
    }
}
