//! Tests of `sla::seconds`, declared `#[cfg(test)] mod tests;` in `seconds.rs`: the
//! availability ratio, and `rollup::weigh`, the window of raw results it is fed by.

use super::*;
use crate::sla::rollup::weigh;
use ResultKind::{Degraded as G, Down as D, Maintenance as M, Unknown as U, Up as P};

fn secs(up: i64, degraded: i64, down: i64, maintenance: i64, unknown: i64) -> Seconds {
    Seconds {
        up: up as f64,
        degraded: degraded as f64,
        down: down as f64,
        maintenance: maintenance as f64,
        unknown: unknown as f64,
    }
}

#[test]
fn table() {
    // (results, cap, from, to, expected)
    type Case<'a> = (&'a [(i64, ResultKind)], i64, i64, i64, Seconds);
    let cases: &[Case] = &[
        // No data at all.
        (&[], 120, 0, 100, secs(0, 0, 0, 0, 100)),
        // Each result until the next one.
        (
            &[(0, P), (60, D), (120, P)],
            120,
            0,
            180,
            secs(120, 0, 60, 0, 0),
        ),
        // The last result reaches at most `cap`, then the time is unknown.
        (&[(0, P)], 120, 0, 300, secs(120, 0, 0, 0, 180)),
        // A gap longer than the cap is unknown.
        (&[(0, P), (500, D)], 120, 0, 560, secs(120, 0, 60, 0, 380)),
        // A result before the window covers its start.
        (&[(-30, D), (30, P)], 120, 0, 60, secs(30, 0, 30, 0, 0)),
        // ... but not when it is older than the cap.
        (&[(-300, D), (30, P)], 120, 0, 60, secs(30, 0, 0, 0, 30)),
        // Results after the window are ignored, and cut the one before them.
        (
            &[(0, G), (50, D), (100, D)],
            120,
            0,
            60,
            secs(0, 50, 10, 0, 0),
        ),
        // Unknown results stand for unknown time; maintenance is kept apart.
        (
            &[(0, U), (60, M), (120, P)],
            120,
            0,
            180,
            secs(60, 0, 0, 60, 60),
        ),
        // Several results in the same second.
        (&[(0, D), (0, P)], 120, 0, 60, secs(60, 0, 0, 0, 0)),
        // Empty window.
        (&[(0, P)], 120, 10, 10, secs(0, 0, 0, 0, 0)),
    ];
    for (i, (results, cap, from, to, want)) in cases.iter().enumerate() {
        assert_eq!(weigh(results, *cap, *from, *to), *want, "case {i}");
    }
}

#[test]
fn ratio_excludes_unknown_and_maybe_maintenance() {
    let s = secs(90, 10, 50, 50, 1000);
    assert_eq!(s.availability(true), Some(100.0 / 150.0));
    assert_eq!(s.availability(false), Some(100.0 / 200.0));
    assert_eq!(secs(0, 0, 0, 10, 50).availability(true), None);
    assert_eq!(Seconds::default().availability(false), None);
}
