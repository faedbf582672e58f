//! The writer's vocabulary: the messages it takes, its settings, metrics and report,
//! the rows it stores and the held queue. Below `writer.rs` (the handle) and
//! `writer_loop.rs` (the task), which both use it.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::SqliteConnectOptions;
use tokio::sync::oneshot;

use super::alerts::{AlertWrite, DeliveryUpdate, Notification};
use super::indicators::IndicatorPush;
use super::retention::Cutoffs;
use super::rollups::Grain;
use super::StoreError;
use crate::sla::rollup::Rollup;

/// Largest batch committed in one transaction.
pub const MAX_BATCH: usize = 1000;
/// Longest a result waits in memory before its batch is committed.
pub const MAX_DELAY: Duration = Duration::from_secs(1);
/// Default bound of the held queue (`storage.max_held_results`).
pub const DEFAULT_MAX_HELD: usize = 1_000_000;

/// Housekeeping writes, run by the writer between batches (results wait meanwhile).
#[derive(Clone, Debug)]
pub enum Job {
    /// Rollup rows (replacing any of the same key: rebuilding is idempotent) and the
    /// job's cursor, in one transaction.
    Rollups {
        grain: Grain,
        rows: Vec<(i64, i64, Rollup)>,
        job: &'static str,
        cursor: i64,
    },
    /// Deletes what is older than the cutoffs and records the job's success.
    Retention(Cutoffs),
    /// Appends pushed indicators, all or none (`store::indicators`).
    Indicators(Vec<IndicatorPush>),
    /// Declares or ends an ad-hoc maintenance window (`store::maintenance`).
    Maintenance(super::maintenance::Change),
}

/// A check as the store registers it.
#[derive(Clone, Debug)]
pub struct CheckReg {
    pub full_id: String,
    /// http, tcp or push.
    pub kind: &'static str,
    /// For time-weighted rollups.
    pub interval_s: i64,
}

impl CheckReg {
    pub fn new(full_id: impl Into<String>, kind: &'static str, interval_s: i64) -> CheckReg {
        CheckReg {
            full_id: full_id.into(),
            kind,
            interval_s,
        }
    }
}

/// One result row, ready to store.
#[derive(Clone, Debug)]
pub struct ResultRow {
    pub check_id: i64,
    /// The vantage it was measured from when the check has several (docs/cluster.md);
    /// `None` for the check's timeline (its verdicts, or its only vantage's results).
    pub vantage: Option<Arc<str>>,
    /// Unix seconds.
    pub ts: i64,
    /// Packed by [`super::pack`].
    pub code: i64,
    pub duration_ms: i64,
    pub message: Option<Box<str>>,
}

/// What a result (or a timer's alert evaluation) changes beside its row: committed in
/// the same transaction as the batch that carries the row.
#[derive(Clone, Debug, Default)]
pub struct Changes {
    /// The check's DOWN period opens (`true`) or closes (`false`) at `at`.
    pub incident: Option<Incident>,
    /// The check's earliest certificate expiry changed: (check id, unix seconds).
    pub cert_expiry: Option<(i64, i64)>,
    /// Alert transitions with their outbox rows.
    pub alerts: Vec<AlertWrite>,
    /// Systems whose standing under the connection mandate changed.
    pub connection: Vec<ConnectionChange>,
    /// A browser check's figures of the page load of this result.
    pub page: Option<PageLoad>,
}

/// One page load of a browser check, as `page_loads` keeps it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageLoad {
    pub check_id: i64,
    /// Unix seconds (the result's).
    pub ts: i64,
    pub figures: crate::result::PageFigures,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.incident.is_none()
            && self.cert_expiry.is_none()
            && self.alerts.is_empty()
            && self.connection.is_empty()
            && self.page.is_none()
    }
}

/// A system connected (or not) from `at` (unix seconds) until its next change: one row
/// of the mandate's history, by the ids of its agency and system.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnectionChange {
    pub agency: Arc<str>,
    pub system: Arc<str>,
    pub at: i64,
    pub connected: bool,
}

/// A check's DOWN period opening or closing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Incident {
    pub check_id: i64,
    pub down: bool,
    pub at: i64,
}

/// Receives the notifications of every committed alert change (the senders' dispatcher),
/// called by the writer right after the commit.
#[derive(Clone)]
pub struct Notify(pub Arc<dyn Fn(Vec<Notification>) + Send + Sync>);

impl std::fmt::Debug for Notify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Notify(..)")
    }
}

pub(super) enum Msg {
    /// One result and what it changes: the one message a result makes.
    Result(ResultRow, Option<Box<Changes>>),
    /// Changes without a result (periodic and canary alerts, a reload's resolutions).
    Changes(Box<Changes>),
    Delivery(DeliveryUpdate),
    Job {
        job: Job,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
    Register {
        checks: Vec<CheckReg>,
        reply: oneshot::Sender<Result<HashMap<String, i64>, StoreError>>,
    },
    /// Every agency of the config, written at `now` (`store::agencies`).
    Agencies {
        agencies: Vec<super::agencies::AgencyReg>,
        now: i64,
        reply: oneshot::Sender<Result<(), StoreError>>,
    },
}

/// What the writer reports to `/metrics`.
#[derive(Clone, Debug)]
pub struct WriterMetrics {
    /// Results sent but not yet committed (queued or held).
    pub pending: Gauge,
    /// Duration of one batch commit.
    pub write_duration: Histogram,
    /// 1 while the store cannot commit.
    pub failing: Gauge,
    /// Failed commit attempts.
    pub commit_failures: Counter,
    /// Results dropped because the held queue was full.
    pub lost: Counter,
}

impl WriterMetrics {
    pub fn new() -> WriterMetrics {
        WriterMetrics {
            pending: Gauge::default(),
            write_duration: Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
            ]),
            failing: Gauge::default(),
            commit_failures: Counter::default(),
            lost: Counter::default(),
        }
    }
}

impl Default for WriterMetrics {
    fn default() -> Self {
        WriterMetrics::new()
    }
}

/// Whether the store can commit, shared with `/readyz`.
#[derive(Debug, Default)]
pub struct StoreHealth {
    failing: Mutex<Option<String>>,
}

impl StoreHealth {
    /// `None` while commits succeed; otherwise why they fail, since when, and how many
    /// results are held.
    pub fn failing(&self) -> Option<String> {
        self.failing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub(super) fn set(&self, why: Option<String>) {
        *self.failing.lock().unwrap_or_else(|e| e.into_inner()) = why;
    }
}

/// How the writer opens a fresh connection of its engine.
#[derive(Clone, Debug)]
pub enum Reopen {
    Sqlite(SqliteConnectOptions),
    Pg(PgConnectOptions),
}

/// How the writer runs; [`Settings::new`] has the defaults.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Messages the channel holds before senders wait.
    pub capacity: usize,
    /// Results held while commits fail; past it the oldest are lost (counted).
    pub max_held: usize,
    /// How to open a fresh connection after a failed commit (`Store::reopen`). `None`:
    /// the writer keeps its connection and only issues `ROLLBACK` (in-memory databases
    /// in tests).
    pub reopen: Option<Reopen>,
    /// How long the writer keeps retrying at shutdown before it gives up.
    pub shutdown_grace: Duration,
    pub health: Arc<StoreHealth>,
    /// Where the notifications of committed alert changes go; `None` drops them (they
    /// stay pending in the outbox for the next start).
    pub notify: Option<Notify>,
}

impl Settings {
    pub fn new(capacity: usize) -> Settings {
        Settings {
            capacity,
            max_held: DEFAULT_MAX_HELD,
            reopen: None,
            shutdown_grace: Duration::from_secs(10),
            health: Arc::default(),
            notify: None,
        }
    }
}

/// What the writer task ends with.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriterReport {
    /// Results never committed (held when shutdown's grace ran out).
    pub unstored: usize,
    /// Results dropped earlier because the held queue was full.
    pub lost: u64,
    /// The last commit error, if the store was failing at the end.
    pub last_error: Option<String>,
}

/// Results held by the writer, oldest first, with the bound that drops the oldest.
pub(super) struct Held {
    pub rows: VecDeque<ResultRow>,
    pub max: usize,
}

impl Held {
    /// Appends `row`; returns how many of the oldest were dropped to make room.
    pub fn push(&mut self, row: ResultRow) -> usize {
        let mut dropped = 0;
        while self.rows.len() >= self.max.max(1) {
            self.rows.pop_front();
            dropped += 1;
        }
        self.rows.push_back(row);
        dropped
    }
}

/// Results dropped because the held queue was full, and when that was last logged.
#[derive(Default)]
pub(super) struct Lost {
    pub total: u64,
    unlogged: u64,
    logged_at: Option<std::time::Instant>,
}

impl Lost {
    /// Counts `n` more; logs the count not logged yet, at most once per `every`.
    pub fn add(&mut self, n: u64, held_max: usize, every: Duration) {
        self.total += n;
        self.unlogged += n;
        let now = std::time::Instant::now();
        if self
            .logged_at
            .is_none_or(|t| now.duration_since(t) >= every)
        {
            tracing::error!(
                lost = self.unlogged,
                lost_total = self.total,
                held = held_max,
                "results lost: the store cannot commit and the held queue is full (oldest dropped)"
            );
            self.unlogged = 0;
            self.logged_at = Some(now);
        }
    }

    /// The count not logged yet (logged at shutdown), then none.
    pub fn take_unlogged(&mut self) -> u64 {
        std::mem::take(&mut self.unlogged)
    }
}
