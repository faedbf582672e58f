//! The cluster's part of the model (docs/cluster.md): where this node probes from, and
//! the names of the vantages.

use std::time::Duration;

/// Where this node probes from.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// `cluster.vantage`, default `local` (`emcd run --vantage` overrides it).
    pub vantage: String,
    /// `cluster.lease`, default 15 s: a dead leader or node is replaced within it.
    pub lease: Duration,
}

/// One entry of `vantages`.
#[derive(Clone, Debug, PartialEq)]
pub struct VantageName {
    pub id: String,
    /// As shown to people; the id when none is given.
    pub name: String,
}

impl super::Config {
    /// This node's vantage must be one of the declared `vantages`, if any are.
    pub fn vantage_declared(&self) -> Result<(), String> {
        let v = &self.cluster.vantage;
        if self.vantages.is_empty() || self.vantages.iter().any(|d| d.id == *v) {
            return Ok(());
        }
        let ids: Vec<&str> = self.vantages.iter().map(|d| d.id.as_str()).collect();
        Err(format!(
            "this node's vantage {v:?} (cluster.vantage or --vantage) is not one of the declared vantages {ids:?} in {}",
            self.source.display()
        ))
    }
}
