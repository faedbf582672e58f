//! The main file's `metrics` section (docs/metrics.md, "Profiles").

use serde::Deserialize;

use super::Text;

/// `metrics`: what `/metrics` exposes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSection {
    /// `full` (default): every per-check family, about 20 series a check; `lean`: six
    /// series a check, what the shipped rules and dashboards need.
    pub per_check: Option<Text>,
}
