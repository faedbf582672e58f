//! The compact on-disk encoding of one raw result (see ARCHITECTURE.md, "Raw results
//! layout"): result kind, error kind and HTTP status packed into one integer that SQLite
//! stores in at most 2 bytes.

use crate::result::{ErrorKind, ResultKind};

const RESULTS: i64 = 5;
const ERRORS: i64 = 12; // 0 = none, 1..=11 = the first eleven ErrorKinds
/// Error kinds added after the first eleven (code 12 on: `vantage`) carry no status and
/// are stored above every code of the base layout (whose largest is 30,059), so rows
/// written by older versions keep their meaning: `EXTENDED + (code - 12) * RESULTS + result`.
const EXTENDED: i64 = 30_100;

/// Packs (result, error, status) into one small integer (< 32768, so 2 bytes on disk).
/// Status codes outside 100..=599 are stored as "no status".
pub fn pack(result: ResultKind, error: Option<ErrorKind>, status: Option<u16>) -> i64 {
    let status = match status {
        Some(s @ 100..=599) => i64::from(s) - 99,
        _ => 0,
    };
    let error = error.map_or(0, |e| i64::from(e.code()));
    if error >= ERRORS {
        return EXTENDED + (error - ERRORS) * RESULTS + i64::from(result.code());
    }
    (status * ERRORS + error) * RESULTS + i64::from(result.code())
}

/// Inverse of [`pack`]. `None` for a value no version of emcd wrote.
pub fn unpack(code: i64) -> Option<(ResultKind, Option<ErrorKind>, Option<u16>)> {
    if !(0..=32767).contains(&code) {
        return None;
    }
    if code >= EXTENDED {
        let rest = code - EXTENDED;
        let result = ResultKind::from_code((rest % RESULTS) as u8)?;
        let error = ErrorKind::from_code(u8::try_from(rest / RESULTS + ERRORS).ok()?)?;
        return Some((result, Some(error), None));
    }
    let result = ResultKind::from_code((code % RESULTS) as u8)?;
    let rest = code / RESULTS;
    let error = match rest % ERRORS {
        0 => None,
        e => Some(ErrorKind::from_code(e as u8)?),
    };
    let status = match rest / ERRORS {
        0 => None,
        s => Some(u16::try_from(s + 99).ok()?),
    };
    Some((result, error, status))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_combination() {
        let statuses = [None, Some(100), Some(200), Some(302), Some(503), Some(599)];
        let errors = std::iter::once(None).chain(ErrorKind::ALL.into_iter().map(Some));
        for e in errors {
            for r in ResultKind::ALL {
                for s in statuses {
                    let c = pack(r, e, s);
                    assert!((0..32768).contains(&c), "{c} fits in 2 bytes");
                    // Extended error kinds carry no status.
                    let s = if e.is_some_and(|e| i64::from(e.code()) >= ERRORS) {
                        None
                    } else {
                        s
                    };
                    assert_eq!(unpack(c), Some((r, e, s)));
                }
            }
        }
    }

    #[test]
    fn odd_status_is_dropped() {
        assert_eq!(
            unpack(pack(ResultKind::Up, None, Some(99))),
            Some((ResultKind::Up, None, None))
        );
        assert_eq!(
            unpack(pack(ResultKind::Up, None, Some(600))),
            Some((ResultKind::Up, None, None))
        );
        assert_eq!(unpack(-1), None);
    }

    #[test]
    fn codes_of_older_versions_keep_their_meaning() {
        // Written by every version since the first: down, status error, HTTP 503.
        assert_eq!(
            unpack(24_272),
            Some((ResultKind::Down, Some(ErrorKind::Status), Some(503)))
        );
        assert_eq!(
            pack(ResultKind::Down, Some(ErrorKind::Status), Some(503)),
            24_272
        );
        let largest = pack(ResultKind::Maintenance, Some(ErrorKind::TooSlow), Some(599));
        assert!(largest < EXTENDED, "{largest}");
        assert_eq!(
            unpack(pack(
                ResultKind::Unknown,
                Some(ErrorKind::Vantage),
                Some(200)
            )),
            Some((ResultKind::Unknown, Some(ErrorKind::Vantage), None))
        );
    }
}
