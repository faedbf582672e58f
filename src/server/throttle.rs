//! Logging a repeated condition (connections refused, accept failing, TLS handshakes
//! failing) once a minute with its count, rather than once per occurrence.

use std::time::{Duration, Instant};

/// How often a repeated condition (connections refused, accept failing) is logged.
const LOG_EVERY: Duration = Duration::from_secs(60);

/// Counts occurrences and says when to log them: the first at once, then at most once
/// per [`LOG_EVERY`] with the number since the last line.
#[derive(Default)]
pub(super) struct Throttle {
    since_log: u64,
    last: Option<Instant>,
}

impl Throttle {
    pub(super) fn hit(&mut self) -> Option<u64> {
        self.since_log += 1;
        if self.last.is_some_and(|t| t.elapsed() < LOG_EVERY) {
            return None;
        }
        self.last = Some(Instant::now());
        Some(std::mem::take(&mut self.since_log))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_condition_is_logged_once_a_minute_with_its_count() {
        let mut t = Throttle::default();
        assert_eq!(t.hit(), Some(1));
        assert_eq!((t.hit(), t.hit()), (None, None));
        t.last = Some(Instant::now() - LOG_EVERY);
        assert_eq!(t.hit(), Some(3), "the two held back and this one");
        assert_eq!(t.hit(), None);
    }
}
