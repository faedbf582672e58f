//! The stopwatch of one probe: which phase is running and how long each took. Every
//! instant between the start and the stop is charged to exactly one phase, so the phases
//! add up to the total exactly (time between redirect hops goes to the phase then running).

use std::time::Duration;

use tokio::time::Instant;

use super::Phases;

/// A phase of docs/results.md.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    Resolve,
    Connect,
    Tls,
    Processing,
    Transfer,
}

impl Phase {
    pub(crate) fn as_str(self) -> &'static str {
        Phases::NAMES[self as usize]
    }
}

pub(crate) struct Clock {
    /// Monotonic start; the deadline is counted from here.
    pub(crate) start: Instant,
    /// When the running phase was last charged.
    mark: Instant,
    running: Phase,
    phases: Phases,
}

impl Clock {
    /// Starts the clock in the `resolve` phase.
    pub(crate) fn start() -> Clock {
        let start = Instant::now();
        Clock {
            start,
            mark: start,
            running: Phase::Resolve,
            phases: Phases::default(),
        }
    }

    /// Charges the running phase up to now and starts `next`.
    pub(crate) fn enter(&mut self, next: Phase) {
        self.charge();
        self.running = next;
    }

    pub(crate) fn running(&self) -> Phase {
        self.running
    }

    /// Charges the running phase up to now; returns the phases and their total.
    pub(crate) fn stop(&mut self) -> (Phases, Duration) {
        self.charge();
        (self.phases, self.mark - self.start)
    }

    fn charge(&mut self) {
        let now = Instant::now();
        let spent = now - self.mark;
        self.mark = now;
        let p = &mut self.phases;
        match self.running {
            Phase::Resolve => p.resolve += spent,
            Phase::Connect => p.connect += spent,
            Phase::Tls => p.tls += spent,
            Phase::Processing => p.processing += spent,
            Phase::Transfer => p.transfer += spent,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn phases_add_up_to_the_total() {
        let mut clock = Clock::start();
        tokio::time::sleep(Duration::from_millis(3)).await;
        clock.enter(Phase::Connect);
        tokio::time::sleep(Duration::from_millis(5)).await;
        clock.enter(Phase::Processing);
        tokio::time::sleep(Duration::from_millis(7)).await;
        clock.enter(Phase::Resolve); // a redirect hop
        tokio::time::sleep(Duration::from_millis(1)).await;
        let (phases, total) = clock.stop();
        assert_eq!(phases.resolve, Duration::from_millis(4));
        assert_eq!(phases.connect, Duration::from_millis(5));
        assert_eq!(phases.processing, Duration::from_millis(7));
        assert_eq!(phases.as_array().iter().sum::<Duration>(), total);
        assert_eq!(total, Duration::from_millis(16));
        assert_eq!(Phase::Processing.as_str(), "processing");
    }
}
