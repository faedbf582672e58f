//! The browser checks' part of the API (docs/api.md): a browser check's config, and the
//! figures of a page load beside its last result, each with the threshold it is held to.
//! The shapes here are the ones `schemas.rs` documents through [`config_schema`] and
//! [`figures_schema`].

use serde_json::{json, Value};

use super::schema_kit::{count, nullable, object, seconds, string};
use crate::config::BrowserSpec;
use crate::result::PageFigures;

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
