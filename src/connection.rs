//! The connection mandate (docs/results.md): whether each system is connected, disconnected or
//! unregistered, and each agency's ratio of connected required systems. Computed from
//! the fleet's live state on demand; `history` decides the changes the store keeps, and
//! `league` ranks agencies.

pub mod history;
pub mod league;

use std::time::Duration;

use crate::fleet::Fleet;

/// A system's standing under the mandate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Connection {
    /// At least one check produced an up or degraded result within the window.
    Connected,
    /// It has checks, but none succeeded within the window.
    Disconnected,
    /// It has no check at all.
    Unregistered,
}

impl Connection {
    pub fn as_str(self) -> &'static str {
        match self {
            Connection::Connected => "connected",
            Connection::Disconnected => "disconnected",
            Connection::Unregistered => "unregistered",
        }
    }
}

/// Classifies one system from its checks' last successful result times (unix seconds).
pub fn classify(last_ok: &[Option<i64>], now: i64, window: Duration) -> Connection {
    if last_ok.is_empty() {
        return Connection::Unregistered;
    }
    let since = crate::util::secs_before(now, window);
    if last_ok.iter().flatten().any(|&t| t >= since) {
        Connection::Connected
    } else {
        Connection::Disconnected
    }
}

/// One system's standing, by index into `Fleet::systems`.
#[derive(Clone, Debug)]
pub struct SystemStanding {
    pub index: usize,
    pub required: bool,
    pub connection: Connection,
}

/// One agency's figures under the mandate.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AgencyStanding {
    pub required: u32,
    pub connected: u32,
    pub disconnected: u32,
    pub unregistered: u32,
}

impl AgencyStanding {
    /// Connected required systems / required systems; 1.0 for an agency that is
    /// required to connect nothing.
    pub fn ratio(&self) -> f64 {
        if self.required == 0 {
            1.0
        } else {
            f64::from(self.connected) / f64::from(self.required)
        }
    }
}

/// Every system's standing, in fleet order.
pub fn systems(fleet: &Fleet, now: i64) -> Vec<SystemStanding> {
    let window = fleet.config.connection.window;
    fleet
        .systems
        .iter()
        .zip(&fleet.system_checks)
        .enumerate()
        .map(|(index, (sys, checks))| {
            let last_ok = last_oks(fleet, checks);
            SystemStanding {
                index,
                required: sys.required,
                connection: classify(&last_ok, now, window),
            }
        })
        .collect()
}

/// Per agency (by id, in config order): the mandate figures over its required systems.
pub fn agencies(
    fleet: &Fleet,
    standings: &[SystemStanding],
) -> Vec<(std::sync::Arc<str>, AgencyStanding)> {
    let mut out: Vec<(std::sync::Arc<str>, AgencyStanding)> = fleet
        .config
        .agencies
        .iter()
        .map(|a| (a.id.as_str().into(), AgencyStanding::default()))
        .collect();
    for st in standings.iter().filter(|s| s.required) {
        let agency = &fleet.systems[st.index].agency;
        let Some((_, a)) = out.iter_mut().find(|(id, _)| id == agency) else {
            continue;
        };
        a.required += 1;
        match st.connection {
            Connection::Connected => a.connected += 1,
            Connection::Disconnected => a.disconnected += 1,
            Connection::Unregistered => a.unregistered += 1,
        }
    }
    out
}

/// The last up or degraded result of each of a system's checks (indices into the fleet).
pub(crate) fn last_oks(fleet: &Fleet, checks: &[usize]) -> Vec<Option<i64>> {
    checks
        .iter()
        .map(|&i| {
            fleet.checks[i]
                .live
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .last_ok_at
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_table() {
        let w = Duration::from_secs(900);
        let now = 10_000;
        assert_eq!(classify(&[], now, w), Connection::Unregistered);
        assert_eq!(classify(&[None], now, w), Connection::Disconnected);
        assert_eq!(
            classify(&[Some(now - 901)], now, w),
            Connection::Disconnected
        );
        assert_eq!(classify(&[Some(now - 900)], now, w), Connection::Connected);
        assert_eq!(
            classify(&[None, Some(now - 5)], now, w),
            Connection::Connected
        );
    }

    #[test]
    fn windows_at_and_past_the_bound_do_not_wrap() {
        let now = 1_790_812_800;
        let days_31 = Duration::from_secs(31 * 86_400);
        let at_edge = Some(now - 31 * 86_400);
        assert_eq!(classify(&[at_edge], now, days_31), Connection::Connected);
        assert_eq!(
            classify(&[Some(now - 31 * 86_400 - 1)], now, days_31),
            Connection::Disconnected
        );
        // Longer than any config holds: everything ever recorded is within it.
        for w in [Duration::from_secs(u64::MAX), Duration::MAX] {
            assert_eq!(classify(&[Some(now - 5)], now, w), Connection::Connected);
            assert_eq!(classify(&[Some(0)], now, w), Connection::Connected);
        }
    }

    #[test]
    fn ratio_of_nothing_required_is_one() {
        assert_eq!(AgencyStanding::default().ratio(), 1.0);
        let a = AgencyStanding {
            required: 4,
            connected: 1,
            disconnected: 2,
            unregistered: 1,
        };
        assert_eq!(a.ratio(), 0.25);
    }
}
