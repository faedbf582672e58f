//! The feed's entry (docs/cluster.md): a result another node of the cluster stored.

use super::{restore, Recorder};
use crate::fleet::{CheckRuntime, LastResult};
use crate::result::ErrorKind;
use crate::store::writer::WriterGone;
use crate::store::StoredResult;

impl Recorder {
    /// Applies a result another node of the cluster stored (the feed, `cluster.rs`) unless
    /// this node has a newer one: the same state machine; the leader decides its
    /// incident and alerts; the row is not written again. A vantage's result of a check
    /// with several vantages leads to a verdict; their stored verdicts are not applied
    /// again (every node takes them).
    pub async fn stored(&self, check: &CheckRuntime, r: &StoredResult) -> Result<(), WriterGone> {
        let newer = |l: Option<&LastResult>| l.is_none_or(|l| r.ts > l.at);
        match (&r.vantage, self.several(check)) {
            (Some(v), Some(vantages)) => {
                let fresh = {
                    let live = check.live.lock().unwrap_or_else(|p| p.into_inner());
                    newer(
                        live.by_vantage
                            .iter()
                            .find(|(o, _)| **o == **v)
                            .map(|(_, l)| l),
                    )
                };
                if !fresh || **v == *self.vantage.id {
                    return Ok(());
                }
                let last = restore::last_of(r, None);
                self.measured(check, &vantages, v.as_str().into(), last, false)
                    .await
            }
            (None, None) => {
                let push = matches!(check.config.kind, crate::config::CheckKind::Push(_));
                {
                    let mut live = check.live.lock().unwrap_or_else(|p| p.into_inner());
                    if !newer(live.last.as_ref()) {
                        return Ok(());
                    }
                    if push && r.error != Some(ErrorKind::Timeout) {
                        live.last_push_at = Some(r.ts);
                    }
                }
                self.apply(check, restore::last_of(r, None), false).await
            }
            // A row of the other kind: the check's vantages changed since.
            _ => Ok(()),
        }
    }
}
