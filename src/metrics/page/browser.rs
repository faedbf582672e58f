//! `probe_browser_seconds{metric="fcp|lcp|speed_index|tbt"}`: the figures of each browser
//! check's last page load (SPEC 14). Written only when some check has them, so a fleet
//! without browser checks has no such family (and the page stays byte for byte what
//! prometheus-client would write for it).

use super::write::{Page, Value};
use super::Sample;
use crate::result::PageFigures;

pub(super) const NAME: &str = "probe_browser_seconds";

pub(super) fn figures(page: &mut Page<'_>, samples: &[Sample], vantage: &str) {
    let with = |s: &Sample| s.last.as_ref().and_then(|l| l.page);
    if !samples.iter().any(|s| with(s).is_some()) {
        return;
    }
    let help = "Figures of the last page load of a browser check: FCP, LCP, the speed index substitute, TBT";
    page.descriptor(NAME, help, "gauge");
    let closes = PageFigures::NAMES.map(|m| format!(",vantage=\"{vantage}\",metric=\"{m}\"}} "));
    for s in samples {
        if let Some(f) = with(s) {
            for (close, d) in closes.iter().zip(f.as_array()) {
                page.sample(NAME, s, close, Value::Float(d.as_secs_f64()));
            }
        }
    }
}
