//! What every handler reads: the handles of the running daemon.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use crate::fleet::FleetHandle;
use crate::metrics::Metrics;
use crate::recorder::Recorder;
use crate::reload::ReloadHandle;
use crate::store::writer::WriterHandle;
use crate::store::Store;

/// What handlers read.
pub struct AppState {
    pub fleet: FleetHandle,
    pub metrics: Arc<Metrics>,
    /// Read side of the database (reports, result history).
    pub store: Arc<Store>,
    /// Where push heartbeats go.
    pub recorder: Recorder,
    /// Where pushed indicators are committed (before the push is answered).
    pub writer: WriterHandle,
    /// Asks the daemon to reload its config.
    pub reload: ReloadHandle,
    /// Push rate limits and the log of rejected push tokens.
    pub push_gate: super::push::Gate,
    /// Set once config is loaded, the store is open and the scheduler runs.
    pub ready: AtomicBool,
    /// This node's vantage, and whether it is impaired.
    pub vantage: Arc<crate::vantage::Vantage>,
    /// Why the store cannot commit, while it cannot (`/readyz` says it).
    pub store_health: Arc<crate::store::writer::StoreHealth>,
    /// This node's place in a cluster; why it is not ready there (`/readyz` says it).
    pub role: Arc<crate::role::Role>,
    /// The last complete month's scorecard, whose grades the status page shows.
    pub last_month: crate::report::last_month::LastMonth,
}
