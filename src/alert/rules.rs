//! The alert decision as a pure function (docs/alerts.md): from an alert's slot, whether its
//! condition holds now, the time and the policy, to the action to take. No I/O here;
//! the recorder applies the action and the writer makes it durable.

use std::time::Duration;

use super::Firing;

/// What to do with one alert after a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// The condition started to hold: the alert fires (notify).
    Fire,
    /// Still firing, and `repeat_interval` passed since the last notification.
    Repeat,
    /// The condition stopped holding: the alert resolves (notify).
    Resolve,
}

/// Inputs beside the slot.
#[derive(Clone, Copy, Debug)]
pub struct Policy {
    /// Zero: never repeat.
    pub repeat_interval: Duration,
    /// Inside a maintenance window nothing fires or repeats; a firing alert stays as it
    /// is until a result outside the window decides.
    pub in_maintenance: bool,
}

/// Decides, and returns the slot's new value with the action.
pub fn decide(
    slot: Option<Firing>,
    holds: bool,
    now: i64,
    p: Policy,
) -> (Option<Firing>, Option<Action>) {
    if p.in_maintenance {
        return (slot, None);
    }
    match (slot, holds) {
        (None, false) => (None, None),
        (None, true) => (
            Some(Firing {
                starts_at: now,
                last_notified_at: now,
            }),
            Some(Action::Fire),
        ),
        (Some(_), false) => (None, Some(Action::Resolve)),
        (Some(f), true) => {
            // Saturating: a repeat_interval past 2^63 s never comes due (it would wrap
            // to a negative number of seconds, due at every result).
            let every = crate::util::secs_i64(p.repeat_interval);
            if every > 0 && now.saturating_sub(f.last_notified_at) >= every {
                let f = Firing {
                    last_notified_at: now,
                    ..f
                };
                (Some(f), Some(Action::Repeat))
            } else {
                (Some(f), None)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H4: Duration = Duration::from_secs(4 * 3600);

    fn p(repeat: Duration, maint: bool) -> Policy {
        Policy {
            repeat_interval: repeat,
            in_maintenance: maint,
        }
    }

    #[test]
    fn table() {
        let f = |starts_at, last_notified_at| {
            Some(Firing {
                starts_at,
                last_notified_at,
            })
        };
        // (slot, holds, now, policy) -> (slot, action)
        let cases = [
            (None, false, 100, p(H4, false), None, None),
            (
                None,
                true,
                100,
                p(H4, false),
                f(100, 100),
                Some(Action::Fire),
            ),
            (f(100, 100), true, 200, p(H4, false), f(100, 100), None),
            (
                f(100, 100),
                false,
                200,
                p(H4, false),
                None,
                Some(Action::Resolve),
            ),
            // Repeat exactly at repeat_interval, keeping starts_at.
            (
                f(100, 100),
                true,
                100 + 4 * 3600,
                p(H4, false),
                f(100, 100 + 4 * 3600),
                Some(Action::Repeat),
            ),
            (
                f(100, 100),
                true,
                99 + 4 * 3600,
                p(H4, false),
                f(100, 100),
                None,
            ),
            // The longest repeat_interval (31d) comes due; one past 2^63 s never does.
            (
                f(100, 100),
                true,
                100 + 31 * 86_400,
                p(Duration::from_secs(31 * 86_400), false),
                f(100, 100 + 31 * 86_400),
                Some(Action::Repeat),
            ),
            (
                f(100, 100),
                true,
                i64::MAX,
                p(Duration::from_secs(u64::MAX), false),
                f(100, 100),
                None,
            ),
            (
                f(i64::MIN, i64::MIN),
                true,
                i64::MAX,
                p(H4, false),
                f(i64::MIN, i64::MAX),
                Some(Action::Repeat),
            ),
            // repeat_interval 0 = never.
            (
                f(100, 100),
                true,
                1_000_000,
                p(Duration::ZERO, false),
                f(100, 100),
                None,
            ),
            // Maintenance: nothing fires, nothing resolves, nothing repeats.
            (None, true, 100, p(H4, true), None, None),
            (f(100, 100), false, 200, p(H4, true), f(100, 100), None),
            (
                f(100, 100),
                true,
                100 + 5 * 3600,
                p(H4, true),
                f(100, 100),
                None,
            ),
        ];
        for (i, (slot, holds, now, pol, want_slot, want_action)) in cases.into_iter().enumerate() {
            assert_eq!(
                decide(slot, holds, now, pol),
                (want_slot, want_action),
                "case {i}"
            );
        }
    }
}
