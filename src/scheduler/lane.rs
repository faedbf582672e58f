//! Where the scheduler's probes run: a grid point's probes, up to [`CHUNK`] of them, on
//! one long-lived task, the lane; a grid point with more, each as a task of its own.
//! The scheduler hands the lane a grid point's probes in one message, so a group of
//! probes costs no spawn and one wake-up of the lane, and the probes then share the
//! lane's wake-ups as their answers arrive (docs/BENCHMARKS.md, "Probes run on a
//! lane"). At rates where a grid point holds more probes than that, tasks of their
//! own spread over every worker of the runtime, which one lane would not.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;

use futures_util::stream::{FuturesUnordered, StreamExt};
use futures_util::FutureExt;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

/// Most probes of one grid point the lane takes: up to 3,200 probes/s on the 20 ms grid.
pub const CHUNK: usize = 64;

/// One probe's work, boxed so that the lane holds one type.
pub type Work = Pin<Box<dyn Future<Output = ()> + Send>>;

/// The lane, the tasks spawned beside it, and the batch of the grid point being started.
pub struct Lane {
    lane: Option<mpsc::UnboundedSender<Vec<Work>>>,
    batch: Vec<Work>,
    /// Probes of this grid point so far; past [`CHUNK`] they all run as tasks.
    queued: usize,
    tasks: JoinSet<()>,
}

impl Lane {
    /// Starts the lane on the current runtime.
    pub fn start() -> Self {
        let mut tasks = JoinSet::new();
        let (tx, rx) = mpsc::unbounded_channel();
        tasks.spawn(run(rx));
        Lane {
            lane: Some(tx),
            batch: Vec::new(),
            queued: 0,
            tasks,
        }
    }

    /// Queues `work` for the lane; if this grid point holds more than [`CHUNK`]
    /// probes, spawns it and every probe still queued as tasks of their own.
    pub fn push(&mut self, work: Work) {
        self.queued += 1;
        if self.queued <= CHUNK {
            self.batch.push(work);
            return;
        }
        for work in self.batch.drain(..).chain([work]) {
            self.tasks.spawn(caught(work));
        }
    }

    /// Starts the probes queued so far on the lane (a grid point's probes waiting for
    /// a slot of `max_in_flight` still count as that point's).
    pub fn start_queued(&mut self) {
        if !self.batch.is_empty() {
            let batch = std::mem::take(&mut self.batch);
            if let Some(lane) = &self.lane {
                // The lane ends only when its sender is dropped or the runtime stops.
                let _ = lane.send(batch);
            }
        }
    }

    /// Ends a grid point: starts its queued probes and reaps finished tasks.
    pub fn end_point(&mut self) {
        self.start_queued();
        self.queued = 0;
        // Reaped here rather than awaited by the scheduler, so that a task ending does
        // not wake it (a wake-up per probe).
        while self.tasks.try_join_next().is_some() {}
    }

    /// Closes the lane and waits until it and every task have finished.
    pub async fn finish(&mut self) {
        self.end_point();
        self.lane = None;
        while self.tasks.join_next().await.is_some() {}
    }

    /// Stops the lane and the tasks, dropping the work still running.
    pub async fn abandon(&mut self) {
        self.tasks.shutdown().await;
    }
}

/// `work` with a panic caught and logged, so that the lane and the other probes on it
/// go on, as a spawned task's panic does not reach its neighbours.
fn caught(work: Work) -> impl Future<Output = ()> + Send {
    AssertUnwindSafe(work).catch_unwind().map(|done| {
        if done.is_err() {
            tracing::error!("a probe panicked; its result is lost");
        }
    })
}

/// Runs the work it is handed, concurrently, until its sender is gone and the work is
/// done.
async fn run(mut batches: mpsc::UnboundedReceiver<Vec<Work>>) {
    let mut running = FuturesUnordered::new();
    loop {
        tokio::select! {
            batch = batches.recv() => match batch {
                Some(batch) => running.extend(batch.into_iter().map(caught)),
                None => break,
            },
            Some(()) = running.next(), if !running.is_empty() => {}
        }
    }
    while running.next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::time::Duration;

    /// Work that sleeps `ms` of (paused) time, then counts itself done.
    fn counted(done: &Arc<AtomicUsize>, ms: u64) -> Work {
        let done = done.clone();
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            done.fetch_add(1, SeqCst);
        })
    }

    #[tokio::test(start_paused = true)]
    async fn a_small_grid_point_runs_on_the_lane_and_finish_waits_for_it() {
        let done = Arc::new(AtomicUsize::new(0));
        let mut lane = Lane::start();
        for i in 0..CHUNK {
            lane.push(counted(&done, 10 + 2 * i as u64));
        }
        lane.end_point();
        assert_eq!(lane.tasks.len(), 1, "only the lane's own task runs");
        tokio::time::sleep(Duration::from_millis(41)).await;
        assert_eq!(done.load(SeqCst), 16, "the probes run concurrently");
        lane.finish().await;
        assert_eq!(done.load(SeqCst), CHUNK);
    }

    #[tokio::test(start_paused = true)]
    async fn a_grid_point_past_the_chunk_runs_every_probe_as_a_task() {
        let done = Arc::new(AtomicUsize::new(0));
        let mut lane = Lane::start();
        for _ in 0..CHUNK + 10 {
            lane.push(counted(&done, 5));
        }
        lane.end_point();
        assert_eq!(
            lane.tasks.len(),
            1 + CHUNK + 10,
            "the lane and a task a probe"
        );
        // The next grid point is small again: on the lane.
        for _ in 0..3 {
            lane.push(counted(&done, 5));
        }
        lane.start_queued();
        assert!(lane.batch.is_empty());
        lane.finish().await;
        assert_eq!(done.load(SeqCst), CHUNK + 13);
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_probe_does_not_stop_the_others() {
        let done = Arc::new(AtomicUsize::new(0));
        let mut lane = Lane::start();
        lane.push(counted(&done, 5));
        lane.push(Box::pin(async { panic!("a probe's bug") }));
        lane.push(counted(&done, 10));
        lane.end_point();
        lane.finish().await;
        assert_eq!(done.load(SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn abandon_drops_the_running_work() {
        let done = Arc::new(AtomicUsize::new(0));
        let mut lane = Lane::start();
        lane.push(counted(&done, 60_000));
        lane.end_point();
        tokio::time::sleep(Duration::from_millis(10)).await;
        lane.abandon().await;
        tokio::time::sleep(Duration::from_secs(120)).await;
        assert_eq!(done.load(SeqCst), 0);
    }
}
