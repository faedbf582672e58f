//! The verdict of a check probed from several vantages (docs/cluster.md, "Vantages and
//! quorum"): taken from the latest result of each vantage that is younger than twice
//! the check's interval (plus [`CARRY`]) and not `unknown`. With D of them down it is down when
//! D >= quorum (error kind: the most common among them); otherwise degraded when more
//! than half of the up and degraded ones are degraded, up when there is at least one up
//! or degraded, and unknown when there is none. Pure: the recorder feeds it.

use crate::result::{ErrorKind, ResultKind};

/// One vantage's latest result, as the verdict reads it.
#[derive(Clone, Copy, Debug)]
pub struct Seen<'a> {
    pub vantage: &'a str,
    /// Unix seconds.
    pub at: i64,
    pub result: ResultKind,
    pub error: Option<ErrorKind>,
    pub status_code: Option<u16>,
    pub duration: f64,
    pub message: Option<&'a str>,
}

/// What the vantages say together.
#[derive(Clone, Debug, PartialEq)]
pub struct Verdict {
    pub result: ResultKind,
    pub error: Option<ErrorKind>,
    pub status_code: Option<u16>,
    /// The median duration of the results it was taken from (the lower of the two
    /// middle ones), 0 when none.
    pub duration: f64,
    /// Which vantages saw what, e.g. `down from 2 of 3 vantages (a, b): connection refused`.
    pub message: String,
}

/// Seconds added to twice the interval before a vantage's result goes stale: the time a
/// result may take to reach the other nodes (the writer's batch, then the feed's
/// round, each up to a second), so that a verdict never misses a vantage for that.
pub const CARRY: i64 = 3;

/// The quorum of `n` vantages when none is configured: a majority (1 of 1, 2 of 2 or 3).
pub fn majority(n: usize) -> usize {
    n / 2 + 1
}

/// The verdict at `now` from the latest result of each vantage, of the check's `of`
/// vantages; a result older than `reach` seconds (twice the interval) no longer counts.
pub fn take(seen: &[Seen<'_>], of: usize, now: i64, reach: i64, quorum: usize) -> Verdict {
    let fresh: Vec<&Seen<'_>> = seen
        .iter()
        .filter(|s| now - s.at <= reach && s.result != ResultKind::Unknown)
        .collect();
    let down: Vec<&Seen<'_>> = fresh
        .iter()
        .copied()
        .filter(|s| s.result == ResultKind::Down)
        .collect();
    let ok: Vec<&Seen<'_>> = fresh
        .iter()
        .copied()
        .filter(|s| s.result.is_available())
        .collect();
    let names = |list: &[&Seen<'_>]| {
        list.iter()
            .map(|s| s.vantage)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if down.len() >= quorum.max(1) {
        let error = most_common(down.iter().map(|s| s.error));
        let first = down
            .iter()
            .find(|s| s.error == error)
            .copied()
            .unwrap_or(down[0]);
        return Verdict {
            result: ResultKind::Down,
            error,
            status_code: first.status_code,
            duration: median(&down),
            message: format!(
                "down from {} of {of} vantages ({}): {}",
                down.len(),
                names(&down),
                first.message.unwrap_or("no message")
            ),
        };
    }
    let degraded = ok
        .iter()
        .filter(|s| s.result == ResultKind::Degraded)
        .count();
    let (result, from) = if ok.is_empty() {
        (ResultKind::Unknown, &fresh)
    } else if degraded * 2 > ok.len() {
        (ResultKind::Degraded, &ok)
    } else {
        (ResultKind::Up, &ok)
    };
    let mut message = match result {
        ResultKind::Unknown => format!("no vantage of {of} has a usable result"),
        _ => format!(
            "{result} from {} of {of} vantages ({})",
            ok.len(),
            names(&ok)
        ),
    };
    if !down.is_empty() {
        message.push_str(&format!(
            "; down from {} ({}), below the quorum of {quorum}",
            down.len(),
            names(&down)
        ));
    }
    Verdict {
        result,
        error: None,
        status_code: from.iter().find_map(|s| s.status_code),
        duration: median(from),
        message,
    }
}

fn most_common(kinds: impl Iterator<Item = Option<ErrorKind>>) -> Option<ErrorKind> {
    let mut counts: Vec<(Option<ErrorKind>, usize)> = Vec::new();
    for k in kinds {
        match counts.iter_mut().find(|(c, _)| *c == k) {
            Some((_, n)) => *n += 1,
            None => counts.push((k, 1)),
        }
    }
    // The first seen wins a tie: `max_by_key` keeps the last maximum, so reverse.
    counts
        .into_iter()
        .rev()
        .max_by_key(|(_, n)| *n)
        .and_then(|(k, _)| k)
}

fn median(list: &[&Seen<'_>]) -> f64 {
    let mut d: Vec<f64> = list.iter().map(|s| s.duration).collect();
    d.sort_by(f64::total_cmp);
    d.get(d.len().saturating_sub(1) / 2).copied().unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(vantage: &str, at: i64, result: ResultKind, error: Option<ErrorKind>) -> Seen<'_> {
        Seen {
            vantage,
            at,
            result,
            error,
            status_code: None,
            duration: 0.5,
            message: Some("refused"),
        }
    }

    #[test]
    fn down_needs_the_quorum_and_stale_or_unknown_results_do_not_count() {
        use ResultKind::*;
        let refused = Some(ErrorKind::Connect);
        let one_down = [
            seen("a", 100, Down, refused),
            seen("b", 100, Up, None),
            seen("c", 100, Up, None),
        ];
        let v = take(&one_down, one_down.len(), 100, 20, 2);
        assert_eq!(v.result, Up);
        assert!(v.message.contains("below the quorum of 2"), "{}", v.message);
        let two_down = [
            seen("a", 100, Down, refused),
            seen("b", 99, Down, Some(ErrorKind::Timeout)),
            seen("c", 100, Up, None),
            seen("d", 98, Down, refused),
        ];
        let v = take(&two_down, two_down.len(), 100, 20, 2);
        assert_eq!((v.result, v.error), (Down, refused));
        assert_eq!(v.message, "down from 3 of 4 vantages (a, b, d): refused");
        // b's result is too old and c is unknown: one down of what counts.
        let stale = [
            seen("a", 100, Down, refused),
            seen("b", 60, Down, refused),
            seen("c", 100, Unknown, Some(ErrorKind::Vantage)),
        ];
        assert_eq!(take(&stale, stale.len(), 100, 20, 2).result, Unknown);
        assert_eq!(take(&stale, stale.len(), 100, 20, 1).result, Down);
        assert_eq!(majority(1), 1);
        assert_eq!(majority(2), 2);
        assert_eq!(majority(3), 2);
    }

    #[test]
    fn degraded_when_more_than_half_of_the_available_ones_are() {
        use ResultKind::*;
        let half = [seen("a", 1, Degraded, None), seen("b", 1, Up, None)];
        assert_eq!(take(&half, half.len(), 1, 20, 2).result, Up);
        let most = [
            seen("a", 1, Degraded, None),
            seen("b", 1, Degraded, None),
            seen("c", 1, Up, None),
        ];
        assert_eq!(take(&most, most.len(), 1, 20, 2).result, Degraded);
    }
}
