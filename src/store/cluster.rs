//! The cluster's typed door (docs/cluster.md): heartbeats, the leader's lease and the
//! live nodes, on PostgreSQL only (a SQLite file has one node, which always leads).

use super::engine::Engine;
use super::{pg, Store, StoreError};

/// What a node's heartbeat records.
#[derive(Debug)]
pub struct Beat<'a> {
    pub node: &'a str,
    /// Tells this process from an earlier one of the same node id.
    pub instance: &'a str,
    pub vantage: &'a str,
    /// The digest of the config the node runs.
    pub digest: String,
    /// Since when the node's canaries say its vantage is impaired.
    pub impaired_since: Option<i64>,
}

/// A live node, as its last heartbeat said.
#[derive(Clone, Debug, PartialEq)]
pub struct LiveNode {
    pub vantage: String,
    pub node: String,
    pub digest: String,
    pub impaired_since: Option<i64>,
}

fn sqlite_only() -> StoreError {
    StoreError::Unavailable("a cluster needs storage.postgres; a SQLite file has one node".into())
}

impl Store {
    /// Whether several nodes can share this store (PostgreSQL).
    pub fn shared(&self) -> bool {
        matches!(self.engine, Engine::Pg(_))
    }

    /// Records this process's heartbeat as `node`; `false` when another live process
    /// holds the node id.
    pub async fn heartbeat(&self, beat: &Beat<'_>, lease_s: i64) -> Result<bool, StoreError> {
        match &self.engine {
            Engine::Pg(p) => pg::cluster::heartbeat(p, beat, lease_s).await,
            Engine::Sqlite { .. } => Err(sqlite_only()),
        }
    }

    /// Takes or renews the leader's lease; `Some(term)` while this process holds it.
    pub async fn try_lead(
        &self,
        node: &str,
        instance: &str,
        lease_s: i64,
    ) -> Result<Option<i64>, StoreError> {
        match &self.engine {
            Engine::Pg(p) => pg::cluster::try_lead(p, node, instance, lease_s).await,
            Engine::Sqlite { .. } => Err(sqlite_only()),
        }
    }

    /// The live nodes, by vantage and node.
    pub async fn live_nodes(&self, lease_s: i64) -> Result<Vec<LiveNode>, StoreError> {
        match &self.engine {
            Engine::Pg(p) => pg::cluster::live_nodes(p, lease_s).await,
            Engine::Sqlite { .. } => Err(sqlite_only()),
        }
    }

    /// The node holding an unexpired lease.
    pub async fn leader(&self) -> Result<Option<String>, StoreError> {
        match &self.engine {
            Engine::Pg(p) => pg::cluster::leader(p).await,
            Engine::Sqlite { .. } => Err(sqlite_only()),
        }
    }

    /// A clean stop: no longer live, lease released.
    pub async fn leave(&self, node: &str, instance: &str) -> Result<(), StoreError> {
        match &self.engine {
            Engine::Pg(p) => pg::cluster::leave(p, node, instance).await,
            Engine::Sqlite { .. } => Ok(()),
        }
    }
}
