//! The agencies' side of the indicators API (docs/api.md, "Indicators"): once the
//! daemon is ready, the agencies of [`plan::INDICATORS`](super::plan::INDICATORS) push
//! plausible counters of their procedure systems to `/api/v1/indicators/{agency}`,
//! last month's and the current month's so far, as an agency's one-stop system would
//! export them, so the scorecard has indicator points to show. Each push is made once;
//! the token is never logged.

use std::net::SocketAddr;
use std::time::Duration;

use http::StatusCode;
use tokio_util::sync::CancellationToken;

use super::plan::INDICATORS;
use super::pusher::post;
use crate::config::{Config, SystemKind};
use crate::sla::time;

/// One push (connect, send, answer) gives up after this long.
const PUSH_TIMEOUT: Duration = Duration::from_secs(5);

/// Who pushes what, and where.
pub struct Reporter {
    /// The daemon's address, reachable from here.
    pub daemon: SocketAddr,
    /// The bearer token whose digest is the pushing agencies' `indicators_token`.
    pub token: String,
    /// Each pushing agency and its procedure systems.
    pub agencies: Vec<(String, Vec<String>)>,
    /// `sla.timezone`, whose calendar months the counters are of.
    pub timezone: chrono_tz::Tz,
}

/// The agencies of [`INDICATORS`] in `config`, each with its procedure systems.
pub fn agencies(config: &Config) -> Vec<(String, Vec<String>)> {
    INDICATORS
        .iter()
        .filter_map(|id| config.agencies.iter().find(|a| a.id == *id))
        .map(|a| {
            let tthc = a.systems.iter().filter(|s| s.kind == SystemKind::Tthc);
            (a.id.clone(), tthc.map(|s| s.id.clone()).collect())
        })
        .collect()
}

impl Reporter {
    /// Pushes once `ready` is cancelled, unless `stop` comes first.
    pub async fn run(self, ready: CancellationToken, stop: CancellationToken) {
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = ready.cancelled() => {}
        }
        let now = crate::util::unix_now();
        let this = time::date_text(self.timezone, now)[..7].to_owned();
        let (start, _) = time::month(self.timezone, &this).expect("a month of date_text");
        let last = time::date_text(self.timezone, start - 1)[..7].to_owned();
        // The share of the current month gone by: its counters so far.
        let gone = ((now - start) as f64 / (30.0 * 86_400.0)).clamp(0.05, 1.0);
        for (i, (agency, systems)) in self.agencies.iter().enumerate() {
            for (month, scale) in [(&last, 1.0), (&this, gone)] {
                let body = body(month, i, systems, scale);
                let path = format!("/api/v1/indicators/{agency}");
                let pushed = tokio::select! {
                    _ = stop.cancelled() => return,
                    r = tokio::time::timeout(PUSH_TIMEOUT, post(self.daemon, &path, &self.token, body)) => {
                        r.unwrap_or_else(|_| Err(anyhow::anyhow!("no answer within {PUSH_TIMEOUT:?}")))
                    }
                };
                match pushed {
                    Ok(StatusCode::CREATED) => {
                        tracing::debug!(%agency, %month, "demo indicators stored")
                    }
                    Ok(status) => {
                        tracing::warn!(%agency, %month, %status, "demo indicators refused")
                    }
                    Err(e) => tracing::warn!(%agency, %month, error = %format!("{e:#}"),
                        "demo indicators not pushed"),
                }
            }
        }
    }
}

/// The month's counters of agency number `i`'s systems, `scale` of a whole month's: the
/// later agencies of the list do less well, so their grades differ.
pub fn body(month: &str, i: usize, systems: &[String], scale: f64) -> String {
    let f = i as f64;
    let systems: Vec<serde_json::Value> = systems
        .iter()
        .enumerate()
        .map(|(j, s)| {
            let received = ((900.0 + 450.0 * f + 170.0 * j as f64) * scale).round();
            let resolved = (received * 0.92).round();
            let on_time = (resolved * (0.99 - 0.06 * f)).round();
            let share = |rate: f64| (received * rate.clamp(0.0, 1.0)).round() as i64;
            serde_json::json!({
                "system": s,
                "received": received as i64,
                "resolved_on_time": on_time as i64,
                "resolved_late": (resolved - on_time) as i64,
                "submitted_online": share(0.78 - 0.13 * f),
                "paid_online": share(0.42 - 0.08 * f),
                "satisfaction": (95.0 - 4.5 * f - j as f64).clamp(0.0, 100.0),
            })
        })
        .collect();
    serde_json::json!({"month": month, "systems": systems}).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::indicators::body::parse;

    #[test]
    fn every_demo_push_passes_the_apis_rules_and_the_agencies_differ() {
        let dir = tempfile::tempdir().unwrap();
        let main = crate::demo::config::tests::written(dir.path());
        let config = crate::config::load_with_env(&main, &|_| None).unwrap();
        let agencies = agencies(&config);
        assert_eq!(agencies.len(), INDICATORS.len());
        let mut online = Vec::new();
        for (i, (id, systems)) in agencies.iter().enumerate() {
            assert!(!systems.is_empty(), "{id} has procedure systems");
            let agency = config.agencies.iter().find(|a| a.id == *id).unwrap();
            for scale in [1.0, 0.05] {
                let b = body("2026-10", i, systems, scale);
                let p = parse(b.as_bytes(), agency, "2026-11")
                    .unwrap_or_else(|e| panic!("{id} x {scale}: {e:?}\n{b}"));
                assert_eq!(p.systems.len(), systems.len());
                let c = &p.systems[0].1;
                assert!(c.received > 0 && c.resolved_late >= 0, "{id}: {c:?}");
                if scale == 1.0 {
                    online.push(c.submitted_online as f64 / c.received as f64);
                }
            }
        }
        assert!(online.windows(2).all(|w| w[0] > w[1]), "{online:?}");
    }
}
