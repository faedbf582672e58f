//! Connection over a period (docs/results.md, "Compliance over a period"): the seconds
//! each system was connected, not connected or of unknown standing, from the mandate's
//! stored history (a standing holds until the next change), turned into a share by the
//! one ratio, [`Seconds::availability`] (connected as available, not connected as
//! unavailable, unknown excluded).

use serde::Serialize;

use crate::result::ResultKind;
use crate::sla::seconds::Seconds;
use crate::store::connection::Standing;

/// How the share is computed, stated in every report over a period.
pub const RULE: &str = "connected / (connected + not connected) seconds of the period, a \
    system's standing holding until its next recorded change; time before its first \
    recorded standing, and after now, is unknown and excluded; an agency's figure is the \
    mean over its required systems with a known standing (1 with no required system)";

/// One required system over the period.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct SystemShare {
    pub system: String,
    pub name: String,
    pub connected_seconds: f64,
    pub not_connected_seconds: f64,
    pub unknown_seconds: f64,
    /// `None` when its standing is unknown for the whole period.
    pub share: Option<f64>,
}

impl SystemShare {
    pub fn new(system: &str, name: &str, s: Seconds) -> SystemShare {
        SystemShare {
            system: system.to_owned(),
            name: name.to_owned(),
            connected_seconds: s.up,
            not_connected_seconds: s.down,
            unknown_seconds: s.unknown,
            share: s.availability(true),
        }
    }
}

/// The seconds of `[from, to)` by standing (connected as `up`, not connected as
/// `down`, unknown), from `history` (see `store::connection::History`: the standing in
/// force at `from`, then the changes, oldest first).
pub fn seconds(history: &[Standing], from: i64, to: i64) -> Seconds {
    let mut out = Seconds::default();
    if to <= from {
        return out;
    }
    let mut cursor = from;
    let mut standing: Option<bool> = None;
    for &(at, connected) in history {
        let at = at.clamp(from, to);
        credit(&mut out, standing, (at - cursor) as f64);
        cursor = at;
        standing = Some(connected);
    }
    credit(&mut out, standing, (to - cursor) as f64);
    out
}

fn credit(out: &mut Seconds, standing: Option<bool>, secs: f64) {
    let kind = match standing {
        Some(true) => ResultKind::Up,
        Some(false) => ResultKind::Down,
        None => ResultKind::Unknown,
    };
    out.credit(kind, secs);
}

/// The mean of the known shares; `None` if none is known.
pub fn mean(shares: &[SystemShare]) -> Option<f64> {
    let known: Vec<f64> = shares.iter().filter_map(|s| s.share).collect();
    (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_standing_holds_until_it_changes() {
        // Connected since before the period, down from 300 to 700, back after.
        let h = [(-50, true), (300, false), (700, true)];
        let s = seconds(&h, 0, 1000);
        assert_eq!((s.up, s.down, s.unknown), (600.0, 400.0, 0.0));
        assert_eq!(s.availability(true), Some(0.6));
        // Nothing known before the first change.
        let s = seconds(&[(250, false), (500, true)], 0, 1000);
        assert_eq!((s.up, s.down, s.unknown), (500.0, 250.0, 250.0));
        assert_eq!(s.availability(true), Some(500.0 / 750.0));
        // No history: unknown, no share.
        let s = seconds(&[], 0, 1000);
        assert_eq!((s.unknown, s.availability(true)), (1000.0, None));
        assert_eq!(seconds(&h, 10, 10), Seconds::default());
    }

    #[test]
    fn mean_of_known_shares() {
        let share = |v: Option<f64>| SystemShare {
            system: "s".into(),
            name: "S".into(),
            connected_seconds: 0.0,
            not_connected_seconds: 0.0,
            unknown_seconds: 0.0,
            share: v,
        };
        assert_eq!(
            mean(&[share(Some(1.0)), share(None), share(Some(0.5))]),
            Some(0.75)
        );
        assert_eq!(mean(&[share(None)]), None);
        assert_eq!(mean(&[]), None);
    }
}
