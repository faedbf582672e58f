//! The one place a result becomes observable: it marks results taken in maintenance,
//! updates the check's live state (and with it `/metrics`), decides its incident and
//! alerts in memory, and queues one writer message carrying the row, the incident, the
//! certificate expiry and the alert changes, committed in one transaction (the writer
//! hands the notifications to the senders once committed). It never waits for the
//! commit. Probes and push handlers produce results; the periodic alerts enter here
//! too; only the recorder acts on them.

mod feed;
mod log;
mod restore;
mod vantages;

use log::{log_alerts, log_transition};
pub use restore::restore;

use std::sync::Arc;
use std::time::SystemTime;

use tokio_util::sync::CancellationToken;

use crate::alert::evaluate;
use crate::fleet::FleetHandle;

use crate::check::state::{self, Thresholds};
use crate::fleet::{CheckRuntime, LastResult};
use crate::probe::Outcome;
use crate::result::{ErrorKind, ResultKind};
use crate::role::Role;
use crate::store::alerts::AlertWrite;
use crate::store::pack;
use crate::store::writer::{Changes, Incident, PageLoad, ResultRow, WriterGone, WriterHandle};
use crate::util::unix_seconds;
use crate::vantage::Vantage;

/// Records results into live state and the store.
#[derive(Clone)]
pub struct Recorder {
    writer: WriterHandle,
    /// For the current config (alerting, maintenance) at each result.
    fleet: FleetHandle,
    /// While it is impaired, results this vantage takes are `unknown` / `vantage`.
    vantage: Arc<Vantage>,
    /// Only the leader takes verdicts (docs/cluster.md).
    role: Arc<Role>,
    /// The ad-hoc maintenance windows, applied as the config's.
    adhoc: Arc<crate::alert::adhoc::Adhoc>,
}

impl Recorder {
    pub fn new(
        writer: WriterHandle,
        fleet: FleetHandle,
        vantage: Arc<Vantage>,
        role: Arc<Role>,
    ) -> Recorder {
        Recorder {
            writer,
            fleet,
            vantage,
            role,
            adhoc: Arc::default(),
        }
    }

    /// The ad-hoc maintenance windows this recorder applies (the API changes them).
    pub fn adhoc(&self) -> &Arc<crate::alert::adhoc::Adhoc> {
        &self.adhoc
    }

    /// Records a probe outcome.
    pub async fn outcome(&self, check: &CheckRuntime, o: Outcome) -> Result<(), WriterGone> {
        check.system_rt.durations.observe(o.duration.as_secs_f64());
        if let Some(page) = &o.page {
            let bounds = &crate::sla::durations::PAGE_BUCKETS;
            for (h, d) in check.system_rt.pages.iter().zip(page.as_array()) {
                h.observe_in(bounds, d.as_secs_f64());
            }
        }
        let mut last = LastResult {
            page: o.page.map(Box::new),
            at: unix_seconds(SystemTime::now()),
            result: o.result,
            error: o.error,
            status_code: o.status_code,
            duration: o.duration.as_secs_f64(),
            phases: o.phases.into(),
            cert_expiry: o.cert_expiry,
            message: o.message,
        };
        self.unless_impaired(&mut last);
        self.record(check, last).await
    }

    /// While the vantage is impaired, a result it took says nothing about the agency:
    /// it becomes `unknown` / `vantage`, its raw outcome kept in the message.
    fn unless_impaired(&self, last: &mut LastResult) {
        let Some(since) = self.vantage.impaired_since() else {
            return;
        };
        if last.result == ResultKind::Unknown {
            return;
        }
        let raw = match (last.error, &last.message) {
            (Some(e), Some(m)) => format!("{} ({e}: {m})", last.result),
            (Some(e), None) => format!("{} ({e})", last.result),
            (None, Some(m)) => format!("{} ({m})", last.result),
            (None, None) => last.result.to_string(),
        };
        last.message = Some(format!(
            "vantage {} impaired since {} (its canaries fail); measured: {raw}",
            self.vantage.id,
            crate::util::rfc3339(since)
        ));
        last.result = ResultKind::Unknown;
        last.error = Some(ErrorKind::Vantage);
    }

    /// Records a result emcd could not take through its own fault (the scheduler fell
    /// behind, shutdown cut the probe off): `unknown` with error kind `vantage`.
    pub async fn unknown(&self, check: &CheckRuntime, why: &str) -> Result<(), WriterGone> {
        let last = LastResult {
            page: None,
            at: unix_seconds(SystemTime::now()),
            result: ResultKind::Unknown,
            error: Some(ErrorKind::Vantage),
            status_code: None,
            duration: 0.0,
            phases: Default::default(),
            cert_expiry: None,
            message: Some(why.to_owned()),
        };
        self.record(check, last).await
    }

    /// Records a push heartbeat: `up` unless the pusher reported `down`.
    pub async fn push(
        &self,
        check: &CheckRuntime,
        up: bool,
        duration: f64,
        message: Option<String>,
    ) -> Result<(), WriterGone> {
        let now = unix_seconds(SystemTime::now());
        check
            .live
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .last_push_at = Some(now);
        let last = LastResult {
            page: None,
            at: now,
            result: if up { ResultKind::Up } else { ResultKind::Down },
            error: None,
            status_code: None,
            duration,
            phases: Default::default(),
            cert_expiry: None,
            message: if up {
                message
            } else {
                Some(message.unwrap_or_else(|| "the system reported itself down".into()))
            },
        };
        self.record(check, last).await
    }

    /// Records that a push check has been silent longer than `max_silence` (`unknown`
    /// while the vantage is impaired: its own network may be what keeps pushes out).
    pub async fn silence(
        &self,
        check: &CheckRuntime,
        max_silence: std::time::Duration,
    ) -> Result<(), WriterGone> {
        let mut last = LastResult {
            page: None,
            at: unix_seconds(SystemTime::now()),
            result: ResultKind::Down,
            error: Some(ErrorKind::Timeout),
            status_code: None,
            duration: 0.0,
            phases: Default::default(),
            cert_expiry: None,
            message: Some(format!(
                "no push for more than {}",
                humantime::format_duration(max_silence)
            )),
        };
        self.unless_impaired(&mut last);
        self.record(check, last).await
    }

    async fn record(&self, check: &CheckRuntime, last: LastResult) -> Result<(), WriterGone> {
        match self.several(check) {
            Some(vantages) => {
                let me: Arc<str> = self.vantage.id.as_str().into();
                self.measured(check, &vantages, me, last, true).await
            }
            None => {
                {
                    let mut live = check.live.lock().unwrap_or_else(|p| p.into_inner());
                    if !live.by_vantage.is_empty() {
                        live.by_vantage = Vec::new();
                    }
                }
                self.apply(check, last, true).await
            }
        }
    }

    /// The one way a result becomes observable; `write_row` unless the row is stored
    /// already (another node's result).
    async fn apply(
        &self,
        check: &CheckRuntime,
        mut last: LastResult,
        write_row: bool,
    ) -> Result<(), WriterGone> {
        let leader = self.role.is_leader();
        let config = self.fleet.current().config.clone();
        let adhoc = self.adhoc.current();
        let maintenance = crate::alert::maintenance::active_any(
            &config.maintenance,
            &adhoc,
            config.sla.timezone,
            (&check.agency, &check.system, &check.check),
            chrono::Utc::now(),
        )
        .is_some();
        if maintenance && last.result != ResultKind::Unknown {
            last.result = ResultKind::Maintenance;
        }
        let policy = &check.config.policy;
        let thresholds = Thresholds {
            failure: policy.failure_threshold,
            success: policy.success_threshold,
        };
        let row = row_of(check, None, &last);
        let (transition, changes, cert_expiry, cert_changed) = {
            let mut live = check.live.lock().unwrap_or_else(|p| p.into_inner());
            let (next, transition) = state::apply(live.state, last.result, thresholds);
            live.state = next;
            live.counts[usize::from(last.result.code())] += 1;
            if last.result.is_available() {
                live.last_ok_at = Some(last.at);
            }
            let cert_changed = last.cert_expiry.filter(|&at| live.cert_expiry != Some(at));
            if last.cert_expiry.is_some() {
                live.cert_expiry = last.cert_expiry;
            }
            live.in_maintenance = maintenance;
            live.recent
                .push(last.at, last.result, crate::util::secs_i64(policy.interval));
            live.last = Some(last.clone());
            // Only the leader takes verdicts; a follower's alert slots are put back from
            // the store when it becomes the leader.
            let changes = if leader {
                evaluate::decide(&mut live, check, &config, maintenance, last.at)
            } else {
                Vec::new()
            };
            (transition, changes, live.cert_expiry, cert_changed)
        };
        let incident = transition.and_then(|t| {
            log_transition(check, t, &last);
            if !leader {
                return None;
            }
            let down = match (t.from, t.to) {
                (_, state::CheckStatus::Down) => true,
                (state::CheckStatus::Down, _) => false,
                _ => return None,
            };
            Some(Incident {
                check_id: check.db_id,
                down,
                at: last.at,
            })
        });
        let alerts = if changes.is_empty() {
            Vec::new()
        } else {
            evaluate::writes(&changes, check, &config, &last, cert_expiry, last.at)
        };
        log_alerts(&alerts);
        let changes = Changes {
            incident,
            cert_expiry: cert_changed.map(|at| (check.db_id, at)),
            alerts,
            connection: Vec::new(),
            page: last
                .page
                .as_deref()
                .filter(|_| write_row)
                .map(|figures| PageLoad {
                    check_id: check.db_id,
                    ts: last.at,
                    figures: *figures,
                }),
        };
        if write_row {
            self.writer.send(row, changes).await
        } else {
            self.writer.changes(changes).await
        }
    }

    /// Evaluates the alerts decided on a timer (`alert::periodic`) over the current
    /// fleet at `now` and queues their changes: the same entry, the same writer message
    /// kind, the same log lines as a result's alerts.
    /// The mandate's history changes (`connection::history`) go in the same message.
    pub async fn periodic(&self, now: i64) -> Result<(), WriterGone> {
        if !self.role.is_leader() {
            return Ok(());
        }
        let fleet = self.fleet.current();
        let alerts = crate::alert::periodic::evaluate(&fleet, &self.adhoc.current(), now);
        let connection = crate::connection::history::changes(&fleet, now);
        for c in &connection {
            tracing::info!(
                agency = %c.agency,
                system = %c.system,
                connected = c.connected,
                since = %crate::util::rfc3339(c.at),
                "connection standing changed"
            );
        }
        log_alerts(&alerts);
        let changes = Changes {
            alerts,
            connection,
            ..Changes::default()
        };
        self.writer.changes(changes).await
    }

    /// Queues alert changes that come with no result (the vantage's canaries, a reload
    /// resolving the alerts of what it removed).
    pub async fn alerts(&self, alerts: Vec<AlertWrite>) -> Result<(), WriterGone> {
        if !self.role.is_leader() {
            // Step 1 of the cluster: only the leader's alerts are delivered.
            if !alerts.is_empty() {
                tracing::info!(alerts = alerts.len(), "alert changes left to the leader");
            }
            return Ok(());
        }
        log_alerts(&alerts);
        let changes = Changes {
            alerts,
            ..Changes::default()
        };
        self.writer.changes(changes).await
    }

    /// Evaluates the periodic alerts every [`crate::alert::periodic::EVERY`] until
    /// shutdown.
    pub async fn run_periodic(self, shutdown: CancellationToken) {
        let mut tick = tokio::time::interval(crate::alert::periodic::EVERY);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tick.tick() => {}
            }
            if self.periodic(crate::util::unix_now()).await.is_err() {
                return;
            }
        }
    }
}

/// The stored row of a result of `check`, measured from `vantage` (`None`: the timeline).
fn row_of(check: &CheckRuntime, vantage: Option<Arc<str>>, last: &LastResult) -> ResultRow {
    ResultRow {
        check_id: check.db_id,
        vantage,
        ts: last.at,
        code: pack(last.result, last.error, last.status_code),
        duration_ms: (last.duration * 1000.0).round() as i64,
        // Only failures keep their message.
        message: match last.result {
            ResultKind::Up | ResultKind::Degraded => None,
            _ => last.message.as_deref().map(Into::into),
        },
    }
}

#[cfg(test)]
mod tests;
