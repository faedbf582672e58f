//! The browser probe (SPEC 14, docs/results.md "Page loads"): one page load in headless
//! Chromium driven over the DevTools protocol, measured by the browser's own performance
//! entries. [`Browser`] is the shared part: one Chromium process, started at the first
//! load, reused, and started again when it died, broke or has loaded
//! [`RECYCLE_AFTER`] pages (a long-lived browser's memory grows); at most
//! `max_concurrent` pages load at once. A load never outlives its check's timeout: its
//! browser context (tab, cache, cookies) is closed at the deadline.
//!
//! `ws` is the WebSocket client, `cdp` the DevTools session, `process` the Chromium
//! process, `page` one load, `verdict` the outcome of its figures. Like every probe,
//! nothing here writes to the store, the metrics or the alerts.

mod cdp;
mod page;
mod process;
mod verdict;
mod ws;

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Mutex, Semaphore};
use tokio::time::Instant;

use super::{Failure, Outcome};
use crate::config::{BrowserSpec, Policy, ProbingBrowser};
use crate::result::ErrorKind;
use cdp::Cdp;
use page::{Context, LoadError};
use process::Process;

pub use page::QUIET;

/// Loads after which the process is replaced (once its pages in flight are done).
pub const RECYCLE_AFTER: u64 = 500;

/// How long closing a context may take after a load ended, before the process is
/// deemed broken and replaced.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

/// The shared Chromium of a prober.
pub struct Browser {
    executable: PathBuf,
    /// A permit per page loading.
    pages: Semaphore,
    /// The running process, if any; a load holds an `Arc` of it, so a process replaced
    /// while pages load is killed when the last of them ends.
    running: Mutex<Option<Arc<Running>>>,
    /// Processes started so far (names each profile directory; read by the benchmark).
    launches: AtomicU64,
}

struct Running {
    cdp: Cdp,
    process: std::sync::Mutex<Process>,
    /// Loads started on this process.
    loads: AtomicU64,
}

impl Browser {
    pub fn new(settings: &ProbingBrowser, executable: PathBuf) -> Browser {
        Browser {
            executable,
            pages: Semaphore::new(settings.max_concurrent),
            running: Mutex::new(None),
            launches: AtomicU64::new(0),
        }
    }

    /// Processes started so far.
    pub fn launches(&self) -> u64 {
        self.launches.load(Ordering::Relaxed)
    }

    /// The process id of the running Chromium, if one runs.
    pub async fn pid(&self) -> Option<u32> {
        let running = self.running.lock().await;
        running
            .as_ref()
            .and_then(|r| r.process.lock().unwrap().pid())
    }

    /// The running process, started if there is none or it is no longer usable.
    async fn running(&self) -> Result<Arc<Running>, Failure> {
        let mut slot = self.running.lock().await;
        if let Some(r) = slot.as_ref() {
            let alive = r.cdp.is_open() && r.process.lock().unwrap().is_running();
            if alive && r.loads.load(Ordering::Relaxed) < RECYCLE_AFTER {
                return Ok(r.clone());
            }
            tracing::info!(
                loads = r.loads.load(Ordering::Relaxed),
                alive,
                "restarting Chromium"
            );
            *slot = None;
        }
        let n = self.launches.fetch_add(1, Ordering::Relaxed);
        let process = Process::launch(&self.executable, n)
            .await
            .map_err(|e| Failure::new(ErrorKind::Vantage, e.to_string()))?;
        let cdp = Cdp::connect(&process.ws_url)
            .await
            .map_err(|e| Failure::new(ErrorKind::Vantage, e.to_string()))?;
        let running = Arc::new(Running {
            cdp,
            process: std::sync::Mutex::new(process),
            loads: AtomicU64::new(0),
        });
        *slot = Some(running.clone());
        Ok(running)
    }

    /// Forgets `broken` if it is still the running process, so the next load starts another.
    async fn discard(&self, broken: &Arc<Running>) {
        let mut slot = self.running.lock().await;
        if slot.as_ref().is_some_and(|r| Arc::ptr_eq(r, broken)) {
            *slot = None;
        }
    }
}

/// One page load of `spec`, bounded by `policy.timeout` (waiting for a free page counts).
pub(crate) async fn probe(browser: &Browser, spec: &BrowserSpec, policy: &Policy) -> Outcome {
    let start = Instant::now();
    let deadline = crate::util::deadline(start, policy.timeout);
    let timeout = humantime::format_duration(policy.timeout);
    let Ok(permit) = tokio::time::timeout_at(deadline, browser.pages.acquire()).await else {
        let message = format!("no free browser page within the timeout ({timeout})");
        let failure = Failure::new(ErrorKind::Vantage, message);
        return verdict::failed_after(start.elapsed(), failure);
    };
    let _permit = permit.expect("the semaphore is never closed");
    let running = match tokio::time::timeout_at(deadline, browser.running()).await {
        Ok(Ok(r)) => r,
        Ok(Err(failure)) => return verdict::failed_after(start.elapsed(), failure),
        Err(_) => {
            let message = format!("Chromium did not start within the timeout ({timeout})");
            let failure = Failure::new(ErrorKind::Vantage, message);
            return verdict::failed_after(start.elapsed(), failure);
        }
    };
    running.loads.fetch_add(1, Ordering::Relaxed);
    let cdp = &running.cdp;
    let context = match tokio::time::timeout_at(deadline, Context::open(cdp)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => {
            browser.discard(&running).await;
            let failure = Failure::new(ErrorKind::Browser, e.to_string());
            return verdict::failed_after(start.elapsed(), failure);
        }
        Err(_) => {
            browser.discard(&running).await;
            let message = format!("timed out after {timeout} (opening a browser context)");
            let failure = Failure::new(ErrorKind::Timeout, message);
            return verdict::failed_after(start.elapsed(), failure);
        }
    };
    let loaded = tokio::time::timeout_at(
        deadline,
        page::load(cdp, &context, spec.url.as_str(), spec.viewport),
    )
    .await;
    let closed = tokio::time::timeout(CLOSE_TIMEOUT, context.close(cdp)).await;
    if !matches!(closed, Ok(Ok(()))) {
        tracing::warn!(url = %spec.url, "closing a browser context failed; restarting Chromium");
        browser.discard(&running).await;
    }
    let duration = start.elapsed();
    match loaded {
        Ok(Ok(loaded)) => verdict::loaded(loaded, spec),
        Ok(Err(LoadError::Cdp(e))) => {
            browser.discard(&running).await;
            verdict::failed_after(duration, Failure::new(ErrorKind::Browser, e.to_string()))
        }
        Ok(Err(e)) => verdict::failed_after(duration, verdict::failure_of(e)),
        Err(_) => {
            let message = format!("timed out after {timeout} (page load)");
            verdict::failed_after(duration, Failure::new(ErrorKind::Timeout, message))
        }
    }
}
