//! The vocabulary of measurement shared by probes, state, store and metrics:
//! what one result is (docs/results.md). Plain data; no I/O here.

use std::fmt;
use std::time::Duration;

/// The verdict of one measurement of a check (docs/results.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResultKind {
    /// Every expectation held, within `degraded_after`.
    Up,
    /// Every expectation held, slower than `degraded_after`.
    Degraded,
    /// An expectation failed or the probe errored (see [`ErrorKind`]).
    Down,
    /// emcd could not measure (shutting down, overloaded); never counts against an agency.
    Unknown,
    /// Taken inside a maintenance window.
    Maintenance,
}

impl ResultKind {
    pub const ALL: [ResultKind; 5] = [
        ResultKind::Up,
        ResultKind::Degraded,
        ResultKind::Down,
        ResultKind::Unknown,
        ResultKind::Maintenance,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ResultKind::Up => "up",
            ResultKind::Degraded => "degraded",
            ResultKind::Down => "down",
            ResultKind::Unknown => "unknown",
            ResultKind::Maintenance => "maintenance",
        }
    }

    /// Whether the result counts as available (up or degraded).
    pub fn is_available(self) -> bool {
        matches!(self, ResultKind::Up | ResultKind::Degraded)
    }

    /// Stable small integer used on disk. Never renumber.
    pub fn code(self) -> u8 {
        match self {
            ResultKind::Up => 0,
            ResultKind::Degraded => 1,
            ResultKind::Down => 2,
            ResultKind::Unknown => 3,
            ResultKind::Maintenance => 4,
        }
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }
}

impl fmt::Display for ResultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a result is `down` (docs/results.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    Dns,
    Connect,
    Tls,
    Timeout,
    Http,
    Status,
    Body,
    Header,
    Json,
    Cert,
    TooSlow,
    /// The probe could not leave the monitor (no route, no local address, no free port
    /// or descriptor, cut off by shutdown): emcd's failure, never the agency's. Only
    /// with [`ResultKind::Unknown`].
    Vantage,
    /// A page load failed inside the browser (the page crashed, the DevTools session
    /// broke, a navigation error with no better kind): browser checks only.
    Browser,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 13] = [
        ErrorKind::Dns,
        ErrorKind::Connect,
        ErrorKind::Tls,
        ErrorKind::Timeout,
        ErrorKind::Http,
        ErrorKind::Status,
        ErrorKind::Body,
        ErrorKind::Header,
        ErrorKind::Json,
        ErrorKind::Cert,
        ErrorKind::TooSlow,
        ErrorKind::Vantage,
        ErrorKind::Browser,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Dns => "dns",
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Http => "http",
            ErrorKind::Status => "status",
            ErrorKind::Body => "body",
            ErrorKind::Header => "header",
            ErrorKind::Json => "json",
            ErrorKind::Cert => "cert",
            ErrorKind::TooSlow => "too_slow",
            ErrorKind::Vantage => "vantage",
            ErrorKind::Browser => "browser",
        }
    }

    /// Stable small integer used on disk (1-based; 0 means "no error"). Never renumber.
    pub fn code(self) -> u8 {
        Self::ALL.iter().position(|k| *k == self).unwrap() as u8 + 1
    }

    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.get(usize::from(code).checked_sub(1)?).copied()
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Phase durations of one probe (summed over redirects), docs/results.md.
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

/// [`Phases`] in whole microseconds (each at most about 71 minutes), as a check's live
/// state keeps its last result's: 20 bytes instead of 80 for every check of a fleet.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PhaseMicros([u32; 5]);

impl From<Phases> for PhaseMicros {
    fn from(p: Phases) -> Self {
        PhaseMicros(
            p.as_array()
                .map(|d| u32::try_from(d.as_micros()).unwrap_or(u32::MAX)),
        )
    }
}

impl PhaseMicros {
    /// The phases in the order of [`Phases::NAMES`].
    pub fn as_array(&self) -> [Duration; 5] {
        self.0.map(|us| Duration::from_micros(u64::from(us)))
    }
}

/// What a browser check measured of one page load (docs/results.md, "Page loads"):
/// times from the start of navigation, as the browser's own performance entries give them.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct PageFigures {
    /// First Contentful Paint.
    pub fcp: Duration,
    /// Largest Contentful Paint (the last candidate before the page settled); FCP when
    /// the browser reported none.
    pub lcp: Duration,
    /// emcd's substitute for Speed Index: the visually-complete time, the latest of FCP,
    /// LCP and the end of the load event. Speed Index is never above it.
    pub speed_index: Duration,
    /// Total Blocking Time: the sum over long tasks after FCP of their part beyond 50 ms.
    pub tbt: Duration,
    /// The end of the load event.
    pub load: Duration,
    /// Requests made (the document and every resource).
    pub requests: u32,
    /// Bytes transferred (headers and bodies, as the browser counts them).
    pub bytes: u64,
}

impl PageFigures {
    pub const NAMES: [&'static str; 4] = ["fcp", "lcp", "speed_index", "tbt"];

    /// The four figures the criteria judge, in the order of [`Self::NAMES`].
    pub fn as_array(&self) -> [Duration; 4] {
        [self.fcp, self.lcp, self.speed_index, self.tbt]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for k in ResultKind::ALL {
            assert_eq!(ResultKind::from_code(k.code()), Some(k));
        }
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_code(k.code()), Some(k));
        }
        assert_eq!(ErrorKind::from_code(0), None);
    }

    #[test]
    fn phases_are_kept_to_the_microsecond() {
        let p = Phases {
            resolve: Duration::from_nanos(1_999),
            connect: Duration::from_micros(250),
            tls: Duration::ZERO,
            processing: Duration::from_secs(3),
            transfer: Duration::from_secs(100_000),
        };
        let kept = PhaseMicros::from(p).as_array();
        assert_eq!(kept[0], Duration::from_micros(1));
        assert_eq!(kept[1..4], p.as_array()[1..4]);
        assert_eq!(
            kept[4],
            Duration::from_micros(u64::from(u32::MAX)),
            "saturates"
        );
    }
}
