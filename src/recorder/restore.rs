//! Live state put back at start from the store (docs/results.md, "After a restart"):
//! each check's last result, its last success, and its recent hour, so `/metrics`, the
//! connection mandate and the burn-rate alert read the same just after a restart as
//! just before, before any new probe; each check's certificate expiry, kept in the
//! `checks` table; and each system's last recorded standing under the mandate, so its
//! history goes on where it stopped.

use crate::fleet::{Fleet, LastResult};
use crate::result::ResultKind;
use crate::store::{Store, StoreError, StoredResult};
use crate::util::secs_i64;

/// Replays the stored results of the last hour (and of `connection.window`, if longer)
/// into the fleet's live state at `now`. Returns how many checks got a last result.
pub async fn restore(fleet: &Fleet, store: &Store, now: i64) -> Result<usize, StoreError> {
    let longest = fleet
        .checks
        .iter()
        .map(|c| secs_i64(c.config.policy.interval))
        .max()
        .unwrap_or(0);
    let window = secs_i64(fleet.config.connection.window).max(3600);
    // A result stands for up to 2 x its interval: the one before the hour counts too.
    let from = now.saturating_sub(window).saturating_sub(2 * longest);
    let by_db_id: std::collections::HashMap<i64, usize> = fleet
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| (c.db_id, i))
        .collect();
    let certs = store.cert_expiries().await?;
    for c in &fleet.checks {
        if let Some(&at) = certs.get(&c.db_id) {
            c.live.lock().unwrap_or_else(|p| p.into_inner()).cert_expiry = Some(at);
        }
    }
    let standings = store.connection_now().await?;
    for sys in &fleet.systems {
        let key = (sys.agency.to_string(), sys.system.to_string());
        if let Some(&s) = standings.get(&key) {
            sys.live.lock().unwrap_or_else(|p| p.into_inner()).recorded = Some(s);
        }
    }
    let mut restored = vec![false; fleet.checks.len()];
    for (db_id, r) in store.recent(from, now).await? {
        let Some(&i) = by_db_id.get(&db_id) else {
            continue; // a check no longer configured
        };
        let check = &fleet.checks[i];
        let reach = 2 * secs_i64(check.config.policy.interval);
        let mut live = check.live.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = &r.vantage {
            // A vantage's own result (docs/cluster.md): its latest, for the next verdict.
            let last = last_of(&r, None);
            match live.by_vantage.iter_mut().find(|(o, _)| **o == **v) {
                Some((_, l)) => *l = last,
                None => live.by_vantage.push((v.as_str().into(), last)),
            }
            continue;
        }
        if live.last.as_ref().is_some_and(|l| l.at > r.ts) {
            continue; // a result recorded since the start is newer
        }
        live.recent.push(r.ts, r.result, reach);
        if r.result.is_available() {
            live.last_ok_at = Some(r.ts);
        }
        live.last = Some(last_of(&r, live.cert_expiry));
        restored[i] = true;
    }
    Ok(restored.into_iter().filter(|r| *r).count())
}

/// The live form of a stored result (no phases: they are not stored).
pub(super) fn last_of(r: &StoredResult, cert_expiry: Option<i64>) -> LastResult {
    LastResult {
        page: None,
        at: r.ts,
        result: r.result,
        error: r.error,
        status_code: r.status_code,
        duration: r.duration_ms as f64 / 1000.0,
        phases: Default::default(),
        cert_expiry,
        message: match r.result {
            ResultKind::Up | ResultKind::Degraded => None,
            _ => r.message.clone(),
        },
    }
}
