//! The browser checks' part of the API (docs/api.md): a browser check's config, the
//! figures of a page load beside its last result, and the month's p75 of each figure.
//! The shapes here are the ones `schemas.rs` documents through [`config_schema`] and
//! [`figures_schema`].

use serde_json::{json, Value};

use chrono::Datelike;

use super::schema_kit::{count, nullable, object, seconds, string};
use crate::config::BrowserSpec;
use crate::result::PageFigures;
use crate::store::{Store, StoreError};

/// `config.browser` of a browser check.
pub fn config_json(b: &BrowserSpec) -> Value {
    let e = &b.expect;
    json!({
        "url": b.url.as_str(),
        "viewport": {"width": b.viewport.width, "height": b.viewport.height, "mobile": b.viewport.mobile},
        "expect": {
            "fcp_seconds": e.fcp.as_secs_f64(),
            "lcp_seconds": e.lcp.as_secs_f64(),
            "speed_index_seconds": e.speed_index.as_secs_f64(),
            "tbt_seconds": e.tbt.as_secs_f64(),
            "max_response_time_seconds": e.max_response_time.map(|d| d.as_secs_f64()),
        },
    })
}

/// `last_result.page`: the figures of the last page load, in seconds.
pub fn figures_json(f: &PageFigures) -> Value {
    json!({
        "fcp_seconds": f.fcp.as_secs_f64(),
        "lcp_seconds": f.lcp.as_secs_f64(),
        "speed_index_seconds": f.speed_index.as_secs_f64(),
        "tbt_seconds": f.tbt.as_secs_f64(),
        "load_seconds": f.load.as_secs_f64(),
        "requests": f.requests,
        "bytes": f.bytes,
    })
}

/// `page_p75` of a browser check: the 75th percentile of each figure over the page loads
/// of the current month (in `sla.timezone`) so far.
pub async fn month_p75(
    store: &Store,
    check_id: i64,
    tz: chrono_tz::Tz,
    now: i64,
) -> Result<Value, StoreError> {
    let today = chrono::DateTime::from_timestamp(now, 0)
        .unwrap_or_default()
        .with_timezone(&tz)
        .date_naive();
    let first = today.with_day(1).unwrap_or(today);
    let from = crate::util::midnight(tz, first);
    let p = store.page_p75(check_id, from, now + 1).await?;
    let figures = p.map(|p| {
        json!({
            "fcp_seconds": p.p75[0].as_secs_f64(),
            "lcp_seconds": p.p75[1].as_secs_f64(),
            "speed_index_seconds": p.p75[2].as_secs_f64(),
            "tbt_seconds": p.p75[3].as_secs_f64(),
        })
    });
    Ok(json!({
        "month": first.format("%Y-%m").to_string(),
        "loads": p.map_or(0, |p| p.loads),
        "p75": figures,
    }))
}

pub fn p75_schema() -> Value {
    object(json!({
        "month": string(), "loads": count(),
        "p75": nullable(object(json!({
            "fcp_seconds": seconds(), "lcp_seconds": seconds(),
            "speed_index_seconds": seconds(), "tbt_seconds": seconds(),
        }))),
    }))
}

pub fn config_schema() -> Value {
    let size = || json!({"type": "integer", "minimum": 200, "maximum": 10000});
    object(json!({
        "url": string(),
        "viewport": object(json!({"width": size(), "height": size(), "mobile": {"type": "boolean"}})),
        "expect": object(json!({
            "fcp_seconds": seconds(), "lcp_seconds": seconds(),
            "speed_index_seconds": seconds(), "tbt_seconds": seconds(),
            "max_response_time_seconds": nullable(seconds()),
        })),
    }))
}

pub fn figures_schema() -> Value {
    object(json!({
        "fcp_seconds": seconds(), "lcp_seconds": seconds(),
        "speed_index_seconds": seconds(), "tbt_seconds": seconds(),
        "load_seconds": seconds(), "requests": count(), "bytes": count(),
    }))
}
