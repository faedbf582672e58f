//! Check state (docs/results.md) as a pure function: (state, result, policy) -> new state.
//! No I/O, no clock: the caller feeds results in order and acts on the transition.

use crate::result::ResultKind;

/// The state of a check after thresholds, as shown in metrics and the API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CheckStatus {
    Up,
    /// Up, with the last `failure_threshold` results all `degraded`.
    Degraded,
    Down,
}

impl CheckStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Up => "up",
            CheckStatus::Degraded => "degraded",
            CheckStatus::Down => "down",
        }
    }

    /// UP or DEGRADED.
    pub fn is_up(self) -> bool {
        !matches!(self, CheckStatus::Down)
    }
}

/// The thresholds that drive transitions (from the check's `Policy`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Thresholds {
    pub failure: u32,
    pub success: u32,
}

/// Streaks and status of one check. Lives in the runtime, never in config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckState {
    pub status: CheckStatus,
    /// Consecutive `down` results.
    pub down_streak: u32,
    /// Consecutive `up` or `degraded` results.
    pub ok_streak: u32,
    /// Consecutive `degraded` results.
    pub degraded_streak: u32,
}

impl Default for CheckState {
    /// A check is UP until enough failures make it DOWN (docs/results.md).
    fn default() -> Self {
        CheckState {
            status: CheckStatus::Up,
            down_streak: 0,
            ok_streak: 0,
            degraded_streak: 0,
        }
    }
}

/// A change of status caused by one result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: CheckStatus,
    pub to: CheckStatus,
}

/// Applies one result. `unknown` and `maintenance` results leave the state untouched:
/// they say nothing about the endpoint.
pub fn apply(
    state: CheckState,
    result: ResultKind,
    t: Thresholds,
) -> (CheckState, Option<Transition>) {
    let mut next = state;
    match result {
        ResultKind::Unknown | ResultKind::Maintenance => return (state, None),
        ResultKind::Down => {
            next.down_streak = state.down_streak.saturating_add(1);
            next.ok_streak = 0;
            next.degraded_streak = 0;
            if next.down_streak >= t.failure {
                next.status = CheckStatus::Down;
            }
        }
        ResultKind::Up | ResultKind::Degraded => {
            next.down_streak = 0;
            next.ok_streak = state.ok_streak.saturating_add(1);
            next.degraded_streak = if result == ResultKind::Degraded {
                state.degraded_streak.saturating_add(1)
            } else {
                0
            };
            let recovered = state.status != CheckStatus::Down || next.ok_streak >= t.success;
            if recovered {
                next.status = if next.degraded_streak >= t.failure {
                    CheckStatus::Degraded
                } else {
                    CheckStatus::Up
                };
            }
        }
    }
    let transition = (next.status != state.status).then_some(Transition {
        from: state.status,
        to: next.status,
    });
    (next, transition)
}

#[cfg(test)]
mod tests {
    use super::*;
    use CheckStatus::{Degraded as SG, Down as SD, Up as SU};
    use ResultKind::{Degraded as G, Down as D, Maintenance as M, Unknown as U, Up as P};

    fn run(
        results: &[ResultKind],
        failure: u32,
        success: u32,
    ) -> (Vec<CheckStatus>, Vec<Transition>) {
        let t = Thresholds { failure, success };
        let mut s = CheckState::default();
        let mut statuses = Vec::new();
        let mut transitions = Vec::new();
        for &r in results {
            let (n, tr) = apply(s, r, t);
            s = n;
            statuses.push(s.status);
            transitions.extend(tr);
        }
        (statuses, transitions)
    }

    #[test]
    fn table() {
        // (results, failure_threshold, success_threshold, expected status after each)
        let cases: &[(&[ResultKind], u32, u32, &[CheckStatus])] = &[
            // Starts UP; needs 3 consecutive downs.
            (&[D, D, D], 3, 2, &[SU, SU, SD]),
            // A success in between resets the streak: flapping inside thresholds.
            (&[D, D, P, D, D, P], 3, 2, &[SU, SU, SU, SU, SU, SU]),
            // Threshold 1 goes down at once.
            (&[D, P], 1, 1, &[SD, SU]),
            // Recovery needs success_threshold consecutive ups.
            (&[D, D, D, P, D, P, P], 3, 2, &[SU, SU, SD, SD, SD, SD, SU]),
            // Degraded counts as success for recovery.
            (&[D, D, D, G, P], 3, 2, &[SU, SU, SD, SD, SU]),
            // DEGRADED after failure_threshold consecutive degraded results.
            (&[G, G, G, P], 3, 2, &[SU, SU, SG, SU]),
            // Down interrupts degraded streak.
            (&[G, G, D, G, G, G], 3, 2, &[SU, SU, SU, SU, SU, SG]),
            // Recovering with degraded results lands in DEGRADED once streak is long enough.
            (&[D, D, G, G], 2, 2, &[SU, SD, SD, SG]),
            (&[D, D, G, G, G], 2, 3, &[SU, SD, SD, SD, SG]),
            // Unknown and maintenance neither break nor extend streaks.
            (&[D, U, D, M, D], 3, 2, &[SU, SU, SU, SU, SD]),
            (&[D, D, D, P, U, P], 3, 2, &[SU, SU, SD, SD, SD, SU]),
        ];
        for (i, (results, f, s, want)) in cases.iter().enumerate() {
            let (got, _) = run(results, *f, *s);
            assert_eq!(&got[..], *want, "case {i}: {results:?} f={f} s={s}");
        }
    }

    #[test]
    fn transitions_reported_once() {
        let (_, tr) = run(&[D, D, D, D, D, P, P, P], 3, 2);
        assert_eq!(
            tr,
            vec![
                Transition { from: SU, to: SD },
                Transition { from: SD, to: SU }
            ]
        );
        let (_, tr) = run(&[D, D, P, D, D, P, D], 3, 2);
        assert!(
            tr.is_empty(),
            "flapping inside thresholds yields no transition"
        );
    }

    #[test]
    fn streaks_saturate() {
        let t = Thresholds {
            failure: 3,
            success: 2,
        };
        let s = CheckState {
            down_streak: u32::MAX,
            ..CheckState::default()
        };
        let (n, _) = apply(s, D, t);
        assert_eq!(n.down_streak, u32::MAX);
    }
}
