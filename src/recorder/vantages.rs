//! Checks probed from several vantages (docs/cluster.md, "Vantages and quorum"): each
//! vantage's result is stored as its own row (with its vantage) and kept as that
//! vantage's latest in live state; then the verdict is taken from the latest of each
//! (`check::verdict`) and recorded as the check's timeline, through the same state
//! machine, alerts and row as any result. Every node takes the verdicts from the
//! results it sees (its own and the feed's), so their live state agrees; only the
//! leader stores them and acts on them.

use std::sync::Arc;

use super::Recorder;
use crate::check::verdict::{self, Seen};
use crate::config::CheckKind;
use crate::fleet::{CheckRuntime, LastResult};
use crate::store::writer::{Changes, WriterGone};
use crate::util::{secs_i64, unix_now};

impl Recorder {
    /// The vantages of `check` when there are several; `None` for one vantage and for
    /// push checks (a push has no vantage).
    pub(super) fn several(&self, check: &CheckRuntime) -> Option<Arc<Vec<String>>> {
        if matches!(check.config.kind, CheckKind::Push(_)) {
            return None;
        }
        let fleet = self.fleet.current();
        let all = self
            .role
            .vantages_of(&check.config.policy.vantages, &fleet.config.vantages);
        (all.len() > 1).then_some(all)
    }

    /// A result measured from `vantage` (this node's, or another node's through the
    /// feed, then already stored): kept as that vantage's latest, then the verdict.
    pub(super) async fn measured(
        &self,
        check: &CheckRuntime,
        vantages: &[String],
        vantage: Arc<str>,
        last: LastResult,
        write_row: bool,
    ) -> Result<(), WriterGone> {
        let policy = &check.config.policy;
        let quorum = policy
            .quorum
            .map_or(verdict::majority(vantages.len()), |q| q as usize)
            .min(vantages.len());
        let row = write_row.then(|| super::row_of(check, Some(vantage.clone()), &last));
        let taken = {
            let mut live = check.live.lock().unwrap_or_else(|p| p.into_inner());
            live.by_vantage
                .retain(|(v, _)| vantages.iter().any(|c| **c == **v));
            // Freshness is reckoned from the result that reports, not from now: another
            // node's result reaches this one a second or two after it was taken.
            let reported = last.at;
            match live.by_vantage.iter_mut().find(|(v, _)| *v == vantage) {
                Some((_, seen)) if seen.at > last.at => None,
                Some((_, seen)) => {
                    *seen = last;
                    Some(())
                }
                None => {
                    live.by_vantage.push((vantage, last));
                    Some(())
                }
            }
            .map(|()| {
                let now = unix_now().max(live.last.as_ref().map_or(i64::MIN, |l| l.at));
                let seen: Vec<Seen<'_>> = live.by_vantage.iter().map(|(v, l)| seen(v, l)).collect();
                let reach = 2 * secs_i64(policy.interval) + verdict::CARRY;
                let v = verdict::take(&seen, vantages.len(), reported, reach, quorum);
                let cert_expiry = live
                    .by_vantage
                    .iter()
                    .filter(|(_, l)| reported - l.at <= reach)
                    .filter_map(|(_, l)| l.cert_expiry)
                    .min();
                LastResult {
                    page: None,
                    at: now,
                    result: v.result,
                    error: v.error,
                    status_code: v.status_code,
                    duration: v.duration,
                    phases: Default::default(),
                    cert_expiry,
                    message: Some(v.message),
                }
            })
        };
        if let Some(row) = row {
            self.writer.send(row, Changes::default()).await?;
        }
        match taken {
            // Only the leader stores the verdict; every node applies it to live state.
            Some(verdict) => self.apply(check, verdict, self.role.is_leader()).await,
            None => Ok(()),
        }
    }
}

fn seen<'a>(vantage: &'a str, l: &'a LastResult) -> Seen<'a> {
    Seen {
        vantage,
        at: l.at,
        result: l.result,
        error: l.error,
        status_code: l.status_code,
        duration: l.duration,
        message: l.message.as_deref(),
    }
}
