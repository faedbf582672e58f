//! `GET /api/v1/checks/{agency}/{system}/{check}` (config, state, last result,
//! availability windows) and `.../results` (raw results, newest first). A check's
//! config is shown without its secrets: header names but never their values, no
//! request body, no URL password, never a push token digest.

use std::ops::RangeInclusive;

use serde_json::{json, Value};

use super::views::{last_result, scrub};
use crate::config::{CheckKind, Config, Expect, HttpSpec};
use crate::fleet::CheckRuntime;
use crate::result::ResultKind;
use crate::sla::rollup::weigh;
use crate::sla::seconds::Seconds;
use crate::store::rollups::Grain;
use crate::store::{Sample, Store, StoreError, StoredResult};
use crate::util::rfc3339;

/// The windows of `availability`, as named in the API and in `/metrics`.
pub const WINDOWS: [(&str, i64); 4] = [
    ("1h", 3600),
    ("24h", 86_400),
    ("7d", 7 * 86_400),
    ("30d", 30 * 86_400),
];

/// The SLA policy availability is computed under (docs/results.md).
pub const POLICY: &str = "emcd-sla-v1";

/// Each result stands for at most this long (2 x interval), in seconds.
pub fn cap(check: &CheckRuntime) -> i64 {
    crate::util::secs_i64(check.config.policy.interval)
        .max(1)
        .saturating_mul(2)
}

/// `GET /api/v1/checks/{agency}/{system}/{check}`.
pub async fn detail(
    store: &Store,
    config: &Config,
    check: &CheckRuntime,
    now: i64,
) -> Result<Value, StoreError> {
    let agency = config.agencies.iter().find(|a| *a.id == *check.agency);
    let system = agency.and_then(|a| a.systems.iter().find(|s| *s.id == *check.system));
    let live = check.live();
    let cap = cap(check);
    let exclude = config.sla.exclude_maintenance;
    // Hourly rollups cover the hours before `rolled`. Raw results are read from there
    // (or from an hour ago, for the 1h window) to now, and for the part of a window
    // before its first whole hour; the whole hours between come from rollups. So a
    // detail costs short raw scans and a few rollup rows, and a window still has its
    // data after retention removed the raw results (it then starts at its first whole
    // hour when raw results of its first hour are no longer kept).
    let rolled = store
        .housekeeping("rollup_hourly")
        .await?
        .map(|(last_hour, _)| last_hour + 3600);
    let longest = WINDOWS[WINDOWS.len() - 1].1;
    let raw_from = rolled.map_or(now - longest, |r| r.min(now - 3600));
    let raw_kept_from = crate::util::secs_before(now, config.storage.retention.raw);
    let recent = raw_results(store, check, raw_from - cap, now).await?;
    let mut windows = serde_json::Map::new();
    for (name, len) in WINDOWS {
        let start = now - len;
        let (from, mut seconds) = match rolled {
            Some(rolled) if start < raw_from => {
                let hour = (start + 3599).div_euclid(3600) * 3600;
                let r = store
                    .check_rollup(Grain::Hourly, check.db_id, hour, rolled)
                    .await?;
                let mut s = r.seconds;
                s.add(weigh(&recent, cap, rolled, now));
                if start >= raw_kept_from && start < hour {
                    let head = raw_results(store, check, start - cap, hour).await?;
                    s.add(weigh(&head, cap, start, hour));
                    (start, s)
                } else {
                    (hour, s)
                }
            }
            _ => (start, weigh(&recent, cap, start, now)),
        };
        // Hours without results have no rollup row: what nothing covers is unknown.
        seconds.unknown = (now - from) as f64 - seconds.covered();
        windows.insert(name.into(), window(seconds, from, now, exclude));
    }
    let page_p75 = match &check.config.kind {
        CheckKind::Browser(_) => {
            super::page::month_p75(store, check.db_id, config.sla.timezone, now).await?
        }
        _ => Value::Null,
    };
    let c = &live.counts;
    Ok(json!({
        "id": check.id.as_str(),
        "agency": {"id": &*check.agency, "name": agency.map(|a| a.name.as_str())},
        "system": {"id": &*check.system, "name": system.map(|s| s.name.as_str())},
        "check": &*check.check,
        "kind": check.config.kind.name(),
        "config": config_json(check),
        "state": {
            "status": live.state.status.as_str(),
            "down_streak": live.state.down_streak,
            "ok_streak": live.state.ok_streak,
            "degraded_streak": live.state.degraded_streak,
        },
        "last_result": live.last.as_ref().map(|l| last_result(l, true, &secrets(check))),
        "last_ok_at": live.last_ok_at.map(rfc3339),
        "last_push_at": live.last_push_at.map(rfc3339),
        "page_p75": page_p75,
        "cert_expiry": live.last.as_ref().and_then(|l| l.cert_expiry).map(|at| json!({
            "at": rfc3339(at),
            "days_left": (at - now) as f64 / 86_400.0,
        })),
        "counters": {
            "up": c[0], "degraded": c[1], "down": c[2], "unknown": c[3], "maintenance": c[4],
        },
        "availability": {
            "policy": POLICY,
            "exclude_maintenance": exclude,
            "max_result_seconds": cap,
            "windows": windows,
        },
    }))
}

/// One check's raw results in `[from, to]` as `(ts, result)`, oldest first.
async fn raw_results(
    store: &Store,
    check: &CheckRuntime,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, ResultKind)>, StoreError> {
    let samples = store.samples(&[check.db_id], from, to).await?;
    Ok(samples.iter().map(|s: &Sample| (s.ts, s.result)).collect())
}

fn window(s: Seconds, from: i64, to: i64, exclude_maintenance: bool) -> Value {
    json!({
        "from": rfc3339(from),
        "to": rfc3339(to),
        "ratio": s.availability(exclude_maintenance),
        // Whole seconds: results are stamped in seconds.
        "up_seconds": s.up.round() as i64,
        "degraded_seconds": s.degraded.round() as i64,
        "down_seconds": s.down.round() as i64,
        "maintenance_seconds": s.maintenance.round() as i64,
        "unknown_seconds": s.unknown.round() as i64,
    })
}

/// `GET .../results`: at most `limit` results with `from <= at <= to`, newest first:
/// the check's timeline, or those measured from `vantage`.
pub async fn results(
    store: &Store,
    check: &CheckRuntime,
    vantage: Option<&str>,
    (from, to): (Option<i64>, Option<i64>),
    limit: u32,
) -> Result<Value, StoreError> {
    let rows = store
        .results_of(check.db_id, vantage, from, to, limit)
        .await?;
    let secrets = secrets(check);
    let results: Vec<Value> = rows.iter().map(|r| stored(r, &secrets)).collect();
    Ok(json!({
        "check": check.id.as_str(),
        "vantage": vantage,
        "from": from.map(rfc3339),
        "to": to.map(rfc3339),
        "limit": limit,
        "count": results.len(),
        "results": results,
    }))
}

fn stored(r: &StoredResult, secrets: &[&str]) -> Value {
    json!({
        "at": rfc3339(r.ts),
        "result": r.result.as_str(),
        "error_kind": r.error.map(|e| e.as_str()),
        "status_code": r.status_code,
        "duration_seconds": r.duration_ms as f64 / 1000.0,
        "message": r.message.as_deref().map(|m| scrub(m, secrets)),
    })
}

/// Strings of a check's config that must not leak through result messages.
fn secrets(check: &CheckRuntime) -> Vec<&str> {
    match &check.config.kind {
        CheckKind::Http(h) => h.url.password().into_iter().collect(),
        _ => Vec::new(),
    }
}

fn config_json(check: &CheckRuntime) -> Value {
    let p = &check.config.policy;
    let (mut http, mut tcp, mut push) = (Value::Null, Value::Null, Value::Null);
    let mut browser = Value::Null;
    match &check.config.kind {
        CheckKind::Http(h) => http = http_json(h),
        CheckKind::Tcp(t) => {
            tcp = json!({
                "host": t.host,
                "port": t.port,
                "tls": t.tls,
                "insecure_skip_verify": t.insecure_skip_verify,
            })
        }
        CheckKind::Push(s) => push = json!({"max_silence_seconds": s.max_silence.as_secs_f64()}),
        CheckKind::Browser(b) => browser = super::page::config_json(b),
    }
    json!({
        "interval_seconds": p.interval.as_secs_f64(),
        "timeout_seconds": p.timeout.as_secs_f64(),
        "failure_threshold": p.failure_threshold,
        "success_threshold": p.success_threshold,
        "degraded_after_seconds": p.degraded_after.as_secs_f64(),
        "slo_availability": p.slo_availability,
        "cert_min_days": p.cert_min_days,
        "http": http,
        "tcp": tcp,
        "push": push,
        "browser": browser,
    })
}

fn http_json(h: &HttpSpec) -> Value {
    let mut url = h.url.clone();
    if url.password().is_some() {
        let _ = url.set_password(Some("***"));
    }
    json!({
        "url": url.as_str(),
        "method": h.method.as_str(),
        "header_names": h.headers.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(),
        "has_body": h.body.is_some(),
        "follow_redirects": h.follow_redirects,
        "insecure_skip_verify": h.insecure_skip_verify,
        "expect": expect_json(&h.expect),
    })
}

fn expect_json(e: &Expect) -> Value {
    let range = |r: &RangeInclusive<u16>| {
        if r.start() == r.end() {
            r.start().to_string()
        } else {
            format!("{}-{}", r.start(), r.end())
        }
    };
    json!({
        "status": e.status.iter().map(range).collect::<Vec<_>>(),
        "body_contains": e.body_contains,
        "body_not_contains": e.body_not_contains,
        "body_regex": e.body_regex.as_ref().map(|r| r.as_str()),
        "headers": e.headers.iter().map(|(n, r)| (n.as_str().to_owned(), json!(r.as_str()))).collect::<serde_json::Map<_, _>>(),
        "json": e.json.iter().map(|j| json!({"path": j.path_text, "equals": j.equals})).collect::<Vec<_>>(),
        "max_response_time_seconds": e.max_response_time.map(|d| d.as_secs_f64()),
    })
}
