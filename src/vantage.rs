//! This monitor's vantage (docs/results.md, "unknown"): where its probes leave from, by
//! the id of `cluster.vantage`, and whether it is impaired now (its canaries failing,
//! docs/alerts.md, "VantageImpaired"). Written by the canary job, read by the recorder
//! (results taken while impaired are `unknown` / `vantage`), the API and the status page.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// The vantage of this process.
#[derive(Debug)]
pub struct Vantage {
    pub id: String,
    /// Unix seconds the impairment began; `i64::MIN` while not impaired.
    impaired_since: AtomicI64,
}

impl Vantage {
    pub fn new(id: &str) -> Arc<Vantage> {
        Arc::new(Vantage {
            id: id.to_owned(),
            impaired_since: AtomicI64::new(i64::MIN),
        })
    }

    /// Since when this vantage is impaired, if it is.
    pub fn impaired_since(&self) -> Option<i64> {
        match self.impaired_since.load(Ordering::Acquire) {
            i64::MIN => None,
            since => Some(since),
        }
    }

    pub fn set_impaired(&self, since: Option<i64>) {
        self.impaired_since
            .store(since.unwrap_or(i64::MIN), Ordering::Release);
    }
}

/// The rule of docs/alerts.md: a round makes the vantage impaired when at least half
/// of its canaries failed (the only one, if there is one). Without canaries, never.
pub fn impaired(failed: usize, total: usize) -> bool {
    total > 0 && failed * 2 >= total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn at_least_half_of_the_canaries_failing_impairs() {
        assert!(!impaired(0, 0), "no canaries: never impaired");
        assert!(impaired(1, 1) && !impaired(0, 1));
        assert!(impaired(1, 2) && !impaired(0, 2));
        assert!(impaired(2, 3) && !impaired(1, 3));
        assert!(impaired(2, 4) && !impaired(1, 4));
    }

    #[test]
    fn impairment_is_set_and_cleared() {
        let v = Vantage::new("local");
        assert_eq!(v.impaired_since(), None);
        v.set_impaired(Some(1_700_000_000));
        assert_eq!(v.impaired_since(), Some(1_700_000_000));
        v.set_impaired(None);
        assert_eq!(v.impaired_since(), None);
    }
}
