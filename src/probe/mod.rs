//! Probes (SPEC 4.1): one measurement of an endpoint, returned as a value. A probe never
//! writes to the store, the metrics or the alerts; the caller does. A failed probe is
//! data (an [`Outcome`] with a `Down` verdict), not an `Err`.

use std::time::{Duration, SystemTime};

use crate::result::{ErrorKind, ResultKind};

/// Phase durations of one probe (summed over redirects), SPEC 4.1.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Phases {
    pub resolve: Duration,
    pub connect: Duration,
    pub tls: Duration,
    pub processing: Duration,
    pub transfer: Duration,
}

impl Phases {
    pub const NAMES: [&'static str; 5] = ["resolve", "connect", "tls", "processing", "transfer"];

    pub fn as_array(&self) -> [Duration; 5] {
        [
            self.resolve,
            self.connect,
            self.tls,
            self.processing,
            self.transfer,
        ]
    }
}

/// What one probe measured.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Wall-clock time the probe started.
    pub started_at: SystemTime,
    /// Total duration of the probe.
    pub duration: Duration,
    pub phases: Phases,
    /// Last HTTP status seen (after redirects), if any.
    pub status_code: Option<u16>,
    /// Unix seconds of the earliest `notAfter` in the presented chain, if TLS was used.
    pub cert_expiry: Option<i64>,
    /// `Up`, `Degraded` or `Down` (probes never produce `Unknown` or `Maintenance`).
    pub result: ResultKind,
    /// Set exactly when `result` is `Down`.
    pub error: Option<ErrorKind>,
    /// Human-readable detail of a failure (never a secret).
    pub message: Option<String>,
}
