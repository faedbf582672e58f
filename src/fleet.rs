//! The live table of checks and systems: what the scheduler probes, what the recorder
//! updates and what `/metrics` and the API read. Runtime state only; the config it was
//! built from is kept beside it, never mixed into it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use crate::check::state::CheckState;
use crate::config::{Check, CheckId, Config};
use crate::result::PhaseMicros;
use crate::result::{ErrorKind, ResultKind};
use crate::sla::durations::AtomicHistogram;

/// One system of one agency.
#[derive(Debug)]
pub struct SystemRuntime {
    pub agency: Arc<str>,
    pub system: Arc<str>,
    pub required: bool,
    /// Shared with the previous generation's system of the same id across a reload.
    pub durations: Arc<AtomicHistogram>,
    /// Its browser checks' page loads per figure (FCP, LCP, speed index, TBT; buckets
    /// `PAGE_BUCKETS`), shared across reloads like `durations`.
    pub pages: Arc<[AtomicHistogram; 4]>,
    /// Mandate state, shared across reloads like `durations`.
    pub live: Arc<Mutex<SystemLive>>,
}

/// A system's runtime state under the connection mandate.
#[derive(Clone, Debug, Default)]
pub struct SystemLive {
    /// Unix seconds since which a required system has not been connected.
    pub not_connected_since: Option<i64>,
    /// `SystemNotConnected`, while it fires.
    pub alert: Option<crate::alert_vocab::Firing>,
    /// The standing last recorded in the mandate's history: (since, connected); `None`
    /// until the first is recorded or restored (`connection::history`).
    pub recorded: Option<(i64, bool)>,
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
    /// To the microsecond: every check holds one (docs/BENCHMARKS.md, "Memory at
    /// 100,000 checks").
    pub phases: PhaseMicros,
    pub cert_expiry: Option<i64>,
    pub message: Option<String>,
    /// A browser check's figures of this page load (not kept across restarts); boxed,
    /// since most checks have none.
    pub page: Option<Box<crate::result::PageFigures>>,
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
    /// Unix seconds of the last accepted push (push checks only).
    pub last_push_at: Option<i64>,
    /// Earliest certificate expiry last reported (kept through results without TLS).
    pub cert_expiry: Option<i64>,
    /// The check's alerts that are firing, by `AlertName::slot`.
    pub alerts: crate::alert_vocab::Slots,
    /// Whether the last result was taken inside a maintenance window.
    pub in_maintenance: bool,
    /// Time-weighted seconds of the last hour (availability windows, SLO burn).
    pub recent: crate::sla::live::RecentHour,
    /// The latest result of each vantage, when several probe the check (docs/cluster.md,
    /// "Vantages and quorum"); then `last` is the verdict. Empty otherwise.
    pub by_vantage: Vec<(Arc<str>, LastResult)>,
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
    /// The config's own copy (`config::System::checks`), shared.
    pub config: Arc<Check>,
    pub system_rt: Arc<SystemRuntime>,
    /// Shared with the previous generation's runtime when a reload left the check
    /// unchanged, so streaks and counters survive; fresh otherwise.
    pub live: Arc<Mutex<Live>>,
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
        Fleet::rebuild(config, db_ids, None).0
    }

    /// Builds the table for a new config, carrying over from `previous` the live state
    /// of every check whose config did not change and the duration histogram of every
    /// system that still exists.
    pub fn rebuild(
        config: Arc<Config>,
        db_ids: &HashMap<String, i64>,
        previous: Option<&Fleet>,
    ) -> (Fleet, Diff) {
        let mut diff = Diff::default();
        let mut checks = Vec::new();
        let mut systems = Vec::new();
        let mut system_checks = Vec::new();
        for agency in &config.agencies {
            let agency_id: Arc<str> = agency.id.as_str().into();
            for system in &agency.systems {
                let old = previous.and_then(|p| {
                    p.systems
                        .iter()
                        .find(|s| *s.agency == *agency.id && *s.system == *system.id)
                });
                let sys = Arc::new(SystemRuntime {
                    agency: agency_id.clone(),
                    system: system.id.as_str().into(),
                    required: system.required,
                    durations: old.map(|s| s.durations.clone()).unwrap_or_default(),
                    pages: old.map(|s| s.pages.clone()).unwrap_or_default(),
                    live: old.map(|s| s.live.clone()).unwrap_or_default(),
                });
                system_checks.push((checks.len()..checks.len() + system.checks.len()).collect());
                for check in &system.checks {
                    let old = previous.and_then(|p| p.get(&check.full_id));
                    let live = match old {
                        Some(old) if old.config == *check => {
                            diff.unchanged += 1;
                            old.live.clone()
                        }
                        Some(old) => {
                            // A changed check keeps its state and alert identity: a
                            // firing alert neither resolves nor fires a second time.
                            diff.changed += 1;
                            let live = old.live.lock().unwrap_or_else(|p| p.into_inner());
                            Arc::new(Mutex::new(live.clone()))
                        }
                        None => {
                            diff.added += 1;
                            Arc::default()
                        }
                    };
                    checks.push(Arc::new(CheckRuntime {
                        id: check.full_id.clone(),
                        agency: agency_id.clone(),
                        system: sys.system.clone(),
                        check: check.id.as_str().into(),
                        db_id: db_ids[check.full_id.as_str()],
                        config: check.clone(),
                        system_rt: sys.clone(),
                        live,
                    }));
                }
                systems.push(sys);
            }
        }
        let by_id: HashMap<CheckId, usize> = checks
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        if let Some(p) = previous {
            diff.removed = p
                .checks
                .iter()
                .filter(|c| !by_id.contains_key(&c.id))
                .count();
        }
        let fleet = Fleet {
            config,
            checks,
            systems,
            system_checks,
            by_id,
        };
        (fleet, diff)
    }

    /// The check with this full id (`agency/system/check`).
    pub fn get_str(&self, id: &str) -> Option<&Arc<CheckRuntime>> {
        self.by_id.get(id).map(|&i| &self.checks[i])
    }

    pub fn get(&self, id: &CheckId) -> Option<&Arc<CheckRuntime>> {
        self.by_id.get(id).map(|&i| &self.checks[i])
    }
}

/// What a reload did to the checks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    pub added: usize,
    pub removed: usize,
    pub changed: usize,
    pub unchanged: usize,
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

#[cfg(test)]
mod tests;
