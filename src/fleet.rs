//! The live table of checks and systems: what the scheduler probes, what the recorder
//! updates and what `/metrics` and the API read. Runtime state only; the config it was
//! built from is kept beside it, never mixed into it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use crate::check::state::CheckState;
use crate::config::{Check, CheckId, Config};
use crate::probe::Phases;
use crate::result::{ErrorKind, ResultKind};

/// Bucket bounds of `emcd_probe_duration_seconds` (SPEC 5).
pub const DURATION_BUCKETS: [f64; 8] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// A fixed-bucket histogram updated with atomics (no lock on the probe path).
#[derive(Debug, Default)]
pub struct AtomicHistogram {
    /// Non-cumulative counts per bucket of `DURATION_BUCKETS`, then +Inf.
    buckets: [AtomicU64; 9],
    count: AtomicU64,
    sum_micros: AtomicU64,
}

impl AtomicHistogram {
    pub fn observe(&self, seconds: f64) {
        let i = DURATION_BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(8);
        self.buckets[i].fetch_add(1, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
        self.sum_micros
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    /// (sum, count, cumulative buckets) as the encoder wants them.
    pub fn snapshot(&self) -> (f64, u64, Vec<(f64, u64)>) {
        let mut acc = 0;
        let mut out = Vec::with_capacity(9);
        for (i, b) in self.buckets.iter().enumerate() {
            acc += b.load(Ordering::Relaxed);
            out.push((DURATION_BUCKETS.get(i).copied().unwrap_or(f64::INFINITY), acc));
        }
        let sum = self.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        (sum, acc, out)
    }
}

/// One system of one agency.
#[derive(Debug)]
pub struct SystemRuntime {
    pub agency: Arc<str>,
    pub system: Arc<str>,
    pub required: bool,
    pub durations: AtomicHistogram,
}

/// The last result of a check, as shown in metrics and the API.
#[derive(Clone, Debug)]
pub struct LastResult {
    /// Unix seconds.
    pub at: i64,
    pub result: ResultKind,
    pub error: Option<ErrorKind>,
    pub status_code: Option<u16>,
    pub duration: f64,
    pub phases: Phases,
    pub cert_expiry: Option<i64>,
    pub message: Option<String>,
}

/// Everything that changes as results come in, behind one short-held lock.
#[derive(Clone, Debug, Default)]
pub struct Live {
    pub state: CheckState,
    pub last: Option<LastResult>,
    /// Results by `ResultKind::code()`.
    pub counts: [u64; 5],
    /// Unix seconds of the last up or degraded result (for the connection mandate).
    pub last_ok_at: Option<i64>,
}

/// One configured check at run time.
#[derive(Debug)]
pub struct CheckRuntime {
    pub id: CheckId,
    pub agency: Arc<str>,
    pub system: Arc<str>,
    pub check: Arc<str>,
    /// Its id in the store's `checks` table.
    pub db_id: i64,
    pub config: Check,
    pub system_rt: Arc<SystemRuntime>,
    pub live: Mutex<Live>,
}

impl CheckRuntime {
    pub fn live(&self) -> Live {
        self.live.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

/// All checks and systems of one config generation.
#[derive(Debug)]
pub struct Fleet {
    pub config: Arc<Config>,
    pub checks: Vec<Arc<CheckRuntime>>,
    pub systems: Vec<Arc<SystemRuntime>>,
    /// For each entry of `systems`, the indices of its checks in `checks`.
    pub system_checks: Vec<Vec<usize>>,
    pub by_id: HashMap<CheckId, usize>,
}

impl Fleet {
    /// Builds the runtime table; `db_ids` maps every full id to its store id.
    pub fn build(config: Arc<Config>, db_ids: &HashMap<String, i64>) -> Fleet {
        let mut checks = Vec::new();
        let mut systems = Vec::new();
        let mut system_checks = Vec::new();
        for agency in &config.agencies {
            let agency_id: Arc<str> = agency.id.as_str().into();
            for system in &agency.systems {
                let sys = Arc::new(SystemRuntime {
                    agency: agency_id.clone(),
                    system: system.id.as_str().into(),
                    required: system.required,
                    durations: AtomicHistogram::default(),
                });
                system_checks.push((checks.len()..checks.len() + system.checks.len()).collect());
                for check in &system.checks {
                    checks.push(Arc::new(CheckRuntime {
                        id: check.full_id.clone(),
                        agency: agency_id.clone(),
                        system: sys.system.clone(),
                        check: check.id.as_str().into(),
                        db_id: db_ids[check.full_id.as_str()],
                        config: check.clone(),
                        system_rt: sys.clone(),
                        live: Mutex::new(Live::default()),
                    }));
                }
                systems.push(sys);
            }
        }
        let by_id = checks
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        Fleet {
            config,
            checks,
            systems,
            system_checks,
            by_id,
        }
    }

    pub fn get(&self, id: &CheckId) -> Option<&Arc<CheckRuntime>> {
        self.by_id.get(id).map(|&i| &self.checks[i])
    }
}

/// The current fleet, swapped whole on reload; readers clone the `Arc` and never block
/// the swap for longer than that.
#[derive(Clone, Debug)]
pub struct FleetHandle(Arc<RwLock<Arc<Fleet>>>);

impl FleetHandle {
    pub fn new(fleet: Fleet) -> Self {
        FleetHandle(Arc::new(RwLock::new(Arc::new(fleet))))
    }

    pub fn current(&self) -> Arc<Fleet> {
        self.0.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn replace(&self, fleet: Fleet) {
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(fleet);
    }
}
