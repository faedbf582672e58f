//! Housekeeping jobs on cron schedules: hourly rollups (each completed hour once, from
//! its raw results; rebuilding replaces the same rows), daily rollups (merging the
//! hours of each completed local day), and retention. Each records its last success in
//! the database and in `emcd_housekeeping_last_success_timestamp_seconds{job}`.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::fleet::FleetHandle;
use crate::metrics::Metrics;
use crate::sla::availability::WindowSums;
use crate::sla::rollup::{Accumulator, Rollup};
use crate::sla::time;
use crate::store::retention::Cutoffs;
use crate::store::rollups::Grain;
use crate::store::writer::WriterHandle;
use crate::store::{Store, StoreError};
use crate::util::{secs_before, unix_now};

/// Hourly rollups run at 30 s past each hour (late results are committed by then).
pub const ROLLUP_SCHEDULE: &str = "30 0 * * * *";
/// Retention runs daily at 03:30 in `sla.timezone`.
pub const RETENTION_SCHEDULE: &str = "0 30 3 * * *";
/// Results recorded this long after an hour ends still belong to it.
const SETTLE: i64 = 30;
/// Hours rolled up in one pass at most (a long catch-up continues at the next pass).
const MAX_HOURS_PER_PASS: i64 = 24 * 62;

/// Runs the jobs.
#[derive(Clone)]
pub struct Housekeeper {
    pub store: Arc<Store>,
    pub writer: WriterHandle,
    pub fleet: FleetHandle,
    pub metrics: Arc<Metrics>,
    /// Only the leader writes rollups and runs retention; every node refreshes its
    /// `/metrics` window sums from the rollups the leader wrote.
    pub role: Arc<crate::role::Role>,
}

impl Housekeeper {
    fn done(&self, job: &'static str) {
        self.metrics
            .housekeeping_last_success
            .get_or_create(&[("job", job)])
            .set(unix_now());
    }

    /// Rolls up every completed hour after the cursor (at most a bounded number), then
    /// every completed local day. Returns the number of hours rolled up.
    pub async fn rollup_pass(&self, now: i64) -> Result<i64, StoreError> {
        let tz = self.fleet.current().config.sla.timezone;
        let cursor = match self.store.housekeeping("rollup_hourly").await? {
            Some((c, _)) => c,
            None => match self.store.first_result_ts().await? {
                Some(ts) => ts.div_euclid(3600) * 3600 - 3600,
                None => {
                    self.done("rollup");
                    return Ok(0);
                }
            },
        };
        let last = (now - SETTLE).div_euclid(3600) * 3600 - 3600;
        let info = self.store.check_info().await?;
        let lookback = info
            .values()
            .map(|(_, i)| *i)
            .max()
            .unwrap_or(60)
            .saturating_mul(2);
        let mut hours = 0;
        let mut hour = cursor + 3600;
        let leader = self.role.is_leader();
        while leader && hour <= last && hours < MAX_HOURS_PER_PASS {
            let mut accs: HashMap<i64, Accumulator> = HashMap::new();
            self.store
                .scan_results(hour.saturating_sub(lookback), hour + 3600, |check, s| {
                    let interval = info.get(&check).map_or(60, |(_, i)| *i);
                    accs.entry(check)
                        .or_insert_with(|| Accumulator::new(hour, hour + 3600, interval))
                        .push(s);
                })
                .await?;
            let rows: Vec<(i64, i64, Rollup)> = accs
                .into_iter()
                .map(|(c, a)| (c, hour, a.finish()))
                .collect();
            self.writer
                .rollups(Grain::Hourly, rows, "rollup_hourly", hour)
                .await?;
            hours += 1;
            hour += 3600;
        }
        if leader {
            self.daily_pass(tz, hour - 3600).await?;
        }
        let sums = window_sums(&self.store, tz, hour).await?;
        *self
            .metrics
            .availability
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Arc::new(sums);
        // In a cluster a push taken by another node reaches this node's page here.
        if let Err(e) = self.metrics.indicators.refresh(&self.store).await {
            tracing::warn!(error = %e, "reading the pushed indicators for /metrics");
        }
        self.done("rollup");
        Ok(hours)
    }

    /// Merges the hourly rollups of each local day that `hourly_done` (the last rolled
    /// hour) completes.
    async fn daily_pass(&self, tz: chrono_tz::Tz, hourly_done: i64) -> Result<(), StoreError> {
        let mut day = match self.store.housekeeping("rollup_daily").await? {
            Some((c, _)) => time::next_day_start(tz, c),
            None => match self
                .store
                .rollups(Grain::Hourly, i64::MIN, i64::MAX)
                .await?
                .iter()
                .map(|r| r.1)
                .min()
            {
                Some(first) => time::day_start(tz, first),
                None => return Ok(()),
            },
        };
        loop {
            let end = time::next_day_start(tz, day);
            if end > hourly_done + 3600 {
                return Ok(());
            }
            let mut merged: HashMap<i64, Rollup> = HashMap::new();
            for (check, _, r) in self.store.rollups(Grain::Hourly, day, end).await? {
                merged.entry(check).or_default().merge(&r);
            }
            let rows = merged.into_iter().map(|(c, r)| (c, day, r)).collect();
            self.writer
                .rollups(Grain::Daily, rows, "rollup_daily", day)
                .await?;
            day = end;
        }
    }

    /// Deletes what `storage.retention` no longer keeps and shrinks the file.
    pub async fn retention_pass(&self, now: i64) -> Result<(), StoreError> {
        let r = self.fleet.current().config.storage.retention.clone();
        // Saturating: the longest retention (100y, docs/limits.md) or any longer one
        // gives a cutoff in the past, never one that wraps into the future.
        let keep = |d: Duration| secs_before(now, d);
        let cutoffs = Cutoffs {
            raw_from: keep(r.raw),
            hourly_from: keep(r.hourly),
            daily_from: keep(r.daily),
        };
        self.writer.retention(cutoffs).await?;
        self.done("retention");
        Ok(())
    }
}

/// Runs the jobs until shutdown: a catch-up pass at start, then on their schedules.
pub async fn run(hk: Housekeeper, shutdown: CancellationToken) {
    let rollup = cron::Schedule::from_str(ROLLUP_SCHEDULE).expect("valid built-in schedule");
    let retention = cron::Schedule::from_str(RETENTION_SCHEDULE).expect("valid built-in schedule");
    let mut first = true;
    loop {
        let tz = hk.fleet.current().config.sla.timezone;
        let now = chrono::Utc::now().with_timezone(&tz);
        let next_rollup = rollup.after(&now).next();
        let next_retention = retention.after(&now).next();
        if !first {
            let next = [next_rollup, next_retention].into_iter().flatten().min();
            let Some(next) = next else { return };
            let wait = (next.timestamp() - now.timestamp()).max(1) as u64;
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(wait)) => {}
            }
        }
        let now_ts = unix_now();
        let due_retention = first || next_retention.is_some_and(|t| t.timestamp() <= now_ts);
        first = false;
        match hk.rollup_pass(now_ts).await {
            Ok(n) if n > 0 => tracing::info!(hours = n, "rollups built"),
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "rollup failed; retrying at the next run"),
        }
        if due_retention && hk.role.is_leader() {
            if let Err(e) = hk.retention_pass(now_ts).await {
                tracing::error!(error = %e, "retention failed; retrying at the next run");
            }
        }
    }
}

/// Sums rollups for the windows ending at `covered_until` (the end of the last rolled
/// hour): hourly rows for 24h; daily rows for whole local days plus hourly rows for the
/// rest of the window for 7d and 30d.
async fn window_sums(
    store: &Store,
    tz: chrono_tz::Tz,
    covered_until: i64,
) -> Result<WindowSums, StoreError> {
    let mut sums = WindowSums {
        covered_until,
        by_check: HashMap::new(),
    };
    let mut add = |slot: usize, rows: Vec<(i64, i64, Rollup)>| {
        for (check, _, r) in rows {
            sums.by_check.entry(check).or_default()[slot].add(r.seconds);
        }
    };
    add(
        0,
        store
            .rollups(Grain::Hourly, covered_until - 86_400, covered_until)
            .await?,
    );
    let daily_done = store
        .housekeeping("rollup_daily")
        .await?
        .map(|c| time::next_day_start(tz, c.0));
    for (slot, len) in [(1, 7 * 86_400), (2, 30 * 86_400)] {
        let from = covered_until - len;
        let days_from = time::next_day_start(tz, from - 1);
        let days_to = daily_done
            .unwrap_or(days_from)
            .clamp(days_from, covered_until);
        add(
            slot,
            store
                .rollups(Grain::Hourly, from, days_from.min(covered_until))
                .await?,
        );
        add(slot, store.rollups(Grain::Daily, days_from, days_to).await?);
        add(
            slot,
            store.rollups(Grain::Hourly, days_to, covered_until).await?,
        );
    }
    Ok(sums)
}
