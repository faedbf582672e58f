//! This node's place in the cluster (docs/cluster.md): its id, whether it leads now, and
//! the live nodes of its vantage, among which each check has exactly one prober (the
//! node with the highest rendezvous hash of node and check). Written by the cluster job,
//! read by the scheduler's launch (which checks to probe), the recorder (only the leader
//! takes verdicts) and `/metrics`. A single node on a SQLite file always leads and
//! probes everything.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use crate::config::{CheckKind, VantageName};
use crate::fleet::CheckRuntime;

#[derive(Debug)]
pub struct Role {
    /// `--node`.
    pub node: String,
    /// This node's vantage (`cluster.vantage`, `--vantage`).
    pub vantage: String,
    /// Tells this process from an earlier one of the same node id.
    pub instance: String,
    leader: AtomicBool,
    term: AtomicI64,
    /// The live nodes of this vantage, sorted; this node among them.
    live: RwLock<Arc<Vec<String>>>,
    /// The vantages that have a live node, sorted; this node's among them.
    vantages: RwLock<Arc<Vec<String>>>,
    /// Every live node and the digest of the config it runs (a reload waits for them).
    digests: RwLock<Arc<Vec<(String, String)>>>,
    /// Why this node is not ready in its cluster (its config differs from the leader's).
    unready: RwLock<Option<String>>,
}

impl Role {
    /// A node that starts as a follower, alone in its vantage until the cluster job
    /// has seen the others.
    pub fn new(node: &str, vantage: &str) -> Arc<Role> {
        let instance = format!(
            "{}-{}-{}",
            node,
            std::process::id(),
            crate::util::unix_now()
        );
        Arc::new(Role {
            node: node.to_owned(),
            vantage: vantage.to_owned(),
            instance,
            leader: AtomicBool::new(false),
            term: AtomicI64::new(0),
            live: RwLock::new(Arc::new(vec![node.to_owned()])),
            vantages: RwLock::new(Arc::new(vec![vantage.to_owned()])),
            digests: RwLock::default(),
            unready: RwLock::new(None),
        })
    }

    /// The only node there is (SQLite): it leads from the start.
    pub fn single(node: &str, vantage: &str) -> Arc<Role> {
        let role = Role::new(node, vantage);
        role.leader.store(true, Ordering::Release);
        role
    }

    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::Acquire)
    }

    /// The lease's term while leading (0 for a single node).
    pub fn term(&self) -> i64 {
        self.term.load(Ordering::Acquire)
    }

    pub fn set_leader(&self, leader: bool, term: i64) {
        self.term.store(term, Ordering::Release);
        self.leader.store(leader, Ordering::Release);
    }

    /// Why this node is not ready, if it is not.
    pub fn unready(&self) -> Option<String> {
        self.unready
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn set_unready(&self, why: Option<String>) {
        *self.unready.write().unwrap_or_else(|p| p.into_inner()) = why;
    }

    pub fn live(&self) -> Arc<Vec<String>> {
        self.live.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Sets the live nodes of this vantage (this node among them); returns whether
    /// they changed.
    pub fn set_live(&self, mut nodes: Vec<String>) -> bool {
        if !nodes.contains(&self.node) {
            nodes.push(self.node.clone());
        }
        nodes.sort();
        let mut live = self.live.write().unwrap_or_else(|p| p.into_inner());
        let changed = **live != nodes;
        *live = Arc::new(nodes);
        changed
    }

    /// Sets the vantages that have a live node (this node's among them); returns
    /// whether they changed.
    pub fn set_vantages(&self, mut vantages: Vec<String>) -> bool {
        if !vantages.contains(&self.vantage) {
            vantages.push(self.vantage.clone());
        }
        vantages.sort();
        vantages.dedup();
        let mut now = self.vantages.write().unwrap_or_else(|p| p.into_inner());
        let changed = **now != vantages;
        *now = Arc::new(vantages);
        changed
    }

    /// Sets every live node's config digest, as their heartbeats say.
    pub fn set_digests(&self, digests: Vec<(String, String)>) {
        *self.digests.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(digests);
    }

    /// The live nodes other than this one whose config digest is not `digest`.
    pub fn without(&self, digest: &str) -> Vec<String> {
        let all = self
            .digests
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        all.iter()
            .filter(|(n, d)| *n != self.node && d != digest)
            .map(|(n, _)| n.clone())
            .collect()
    }

    /// The vantages that probe a check whose `vantages` key says `listed` (docs/cluster.md):
    /// that list, else every vantage `declared` in the main file, else every vantage
    /// that has a live node.
    pub fn vantages_of(&self, listed: &[String], declared: &[VantageName]) -> Arc<Vec<String>> {
        if !listed.is_empty() {
            Arc::new(listed.to_vec())
        } else if !declared.is_empty() {
            Arc::new(declared.iter().map(|v| v.id.clone()).collect())
        } else {
            self.vantages
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .clone()
        }
    }

    /// Whether this node probes `check`: its vantage is one of the check's (a push check
    /// has none: its silence is watched by one node of all), and it owns the check among
    /// its vantage's live nodes.
    pub fn probes(&self, check: &CheckRuntime, declared: &[VantageName]) -> bool {
        let listed = &check.config.policy.vantages;
        let ours = if matches!(check.config.kind, CheckKind::Push(_)) {
            true
        } else if !listed.is_empty() {
            listed.contains(&self.vantage)
        } else {
            declared.is_empty() || declared.iter().any(|v| v.id == self.vantage)
        };
        ours && self.mine(&check.id.0)
    }

    /// Whether this node probes `check` (a full id): it is the live node of highest
    /// rendezvous weight for it, so a node's death moves only its own checks.
    pub fn mine(&self, check: &str) -> bool {
        // The scheduler asks this for every probe, `/metrics` for every check: read
        // under the lock rather than clone the list. A lone node owns everything.
        let live = self.live.read().unwrap_or_else(|p| p.into_inner());
        live.len() <= 1 || owner(&live, check).is_none_or(|n| n == self.node)
    }
}

/// The node that probes `check` among `nodes`.
pub fn owner<'a>(nodes: &'a [String], check: &str) -> Option<&'a str> {
    nodes
        .iter()
        .max_by_key(|n| weight(n, check))
        .map(String::as_str)
}

/// FNV-1a of `node`, a zero byte and `check`, then mixed: the same on every node and
/// every version of emcd (std's hasher promises neither).
fn weight(node: &str, check: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in node.bytes().chain([0]).chain(check.bytes()) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // splitmix64's finaliser: FNV's low bits alone spread poorly.
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_check_has_one_owner_and_a_death_moves_only_its_checks() {
        let three: Vec<String> = ["a", "b", "c"].map(String::from).to_vec();
        let two: Vec<String> = ["a", "c"].map(String::from).to_vec();
        let checks: Vec<String> = (0..300).map(|i| format!("x/y/c{i}")).collect();
        let mut counts = std::collections::HashMap::new();
        for c in &checks {
            let before = owner(&three, c).unwrap();
            *counts.entry(before).or_insert(0) += 1;
            let after = owner(&two, c).unwrap();
            if before != "b" {
                assert_eq!(before, after, "{c} moved although its node lives");
            }
        }
        // Roughly even: each of three nodes gets between a fifth and a half.
        assert!(
            counts.values().all(|&n| (60..=150).contains(&n)),
            "{counts:?}"
        );
        let role = Role::new("b", "v");
        role.set_live(three.clone());
        let mine = checks.iter().filter(|c| role.mine(c)).count();
        assert_eq!(mine, counts["b"]);
        assert!(!role.is_leader() && Role::single("x", "v").is_leader());
    }
}
