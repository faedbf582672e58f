//! The alert vocabulary (docs/alerts.md), below everything that speaks of alerts (the
//! fleet's live state, the store's outbox, the metrics, the alert rules and senders):
//! alert names and severities, fingerprints, what a firing alert holds in memory, the
//! states of an alert and of a delivery, the event a notification carries, delivery ids.

use serde::{Deserialize, Serialize};

/// The built-in alerts (docs/alerts.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AlertName {
    CheckDown,
    CheckDegraded,
    CertificateExpiring,
    #[serde(rename = "SLOBudgetBurn")]
    SloBudgetBurn,
    SystemNotConnected,
    /// The vantage's canaries fail: its results are `unknown` (docs/alerts.md).
    VantageImpaired,
}

impl AlertName {
    /// The alerts of a check, in slot order.
    pub const PER_CHECK: [AlertName; 4] = [
        AlertName::CheckDown,
        AlertName::CheckDegraded,
        AlertName::CertificateExpiring,
        AlertName::SloBudgetBurn,
    ];
    /// The check alerts decided on each result (the others are evaluated periodically).
    pub const ON_RESULT: [AlertName; 3] = [
        AlertName::CheckDown,
        AlertName::CheckDegraded,
        AlertName::CertificateExpiring,
    ];
    pub const ALL: [AlertName; 6] = [
        AlertName::CheckDown,
        AlertName::CheckDegraded,
        AlertName::CertificateExpiring,
        AlertName::SloBudgetBurn,
        AlertName::SystemNotConnected,
        AlertName::VantageImpaired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertName::CheckDown => "CheckDown",
            AlertName::CheckDegraded => "CheckDegraded",
            AlertName::CertificateExpiring => "CertificateExpiring",
            AlertName::SloBudgetBurn => "SLOBudgetBurn",
            AlertName::SystemNotConnected => "SystemNotConnected",
            AlertName::VantageImpaired => "VantageImpaired",
        }
    }

    pub fn parse(s: &str) -> Option<AlertName> {
        Self::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn severity(self) -> &'static str {
        match self {
            AlertName::CheckDown | AlertName::SystemNotConnected | AlertName::VantageImpaired => {
                "critical"
            }
            AlertName::CheckDegraded
            | AlertName::CertificateExpiring
            | AlertName::SloBudgetBurn => "warning",
        }
    }

    /// Index into a check's alert slots (`SystemNotConnected` has the system's one slot,
    /// `VantageImpaired` the canary job's).
    pub fn slot(self) -> usize {
        match self {
            AlertName::SystemNotConnected | AlertName::VantageImpaired => 0,
            other => other as usize,
        }
    }
}

/// Alert identity (docs/alerts.md): alertname + agency + system + check, hashed to hex.
pub fn fingerprint(name: AlertName, agency: &str, system: &str, check: &str) -> String {
    let input = format!("{}\u{0}{agency}\u{0}{system}\u{0}{check}", name.as_str());
    let d = ring::digest::digest(&ring::digest::SHA256, input.as_bytes());
    crate::token::hex(&d.as_ref()[..8])
}

/// What a check's alert looks like in memory while it fires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Firing {
    /// Unix seconds.
    pub starts_at: i64,
    /// Unix seconds of the last notification (first or repeat).
    pub last_notified_at: i64,
}

/// The per-check alert slots, indexed by [`AlertName::slot`].
pub type Slots = [Option<Firing>; 4];

/// A change of an alert that must be notified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Firing,
    Resolved,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Firing => "firing",
            Status::Resolved => "resolved",
        }
    }
}

/// Where a notification is in the outbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Waiting for its (next) attempt.
    Pending,
    Delivered,
    /// Given up: a 4xx answer, or 24 h of failed attempts.
    Dead,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Delivery::Pending => "pending",
            Delivery::Delivered => "delivered",
            Delivery::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Delivery> {
        [Delivery::Pending, Delivery::Delivered, Delivery::Dead]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// One alert at one transition: everything a notification needs, stored as JSON in
/// the outbox so that a delivery after a restart sends what was decided then.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub name: AlertName,
    pub severity: String,
    pub fingerprint: String,
    pub status: Status,
    /// Whether this is a reminder of a still-firing alert.
    pub repeat: bool,
    pub agency: Named,
    pub system: Named,
    pub check: String,
    pub summary: String,
    pub description: String,
    /// Unix seconds.
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub last_result: Option<LastResultView>,
    /// The vantage a `VantageImpaired` is about; absent for every other alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vantage: Option<String>,
    /// From `alerting.runbook_url`, placeholders filled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub runbook_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Named {
    pub id: String,
    pub name: String,
}

/// The last result, as shown in notifications.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LastResultView {
    pub at: i64,
    pub result: String,
    pub error_kind: Option<String>,
    pub status_code: Option<u16>,
    pub duration_seconds: f64,
    pub message: Option<String>,
}

impl Event {
    /// The labels of an alert (docs/alerts.md), in a stable order.
    pub fn labels(&self) -> Vec<(&'static str, &str)> {
        if let Some(vantage) = &self.vantage {
            return vec![
                ("alertname", self.name.as_str()),
                ("severity", &self.severity),
                ("vantage", vantage),
            ];
        }
        vec![
            ("alertname", self.name.as_str()),
            ("severity", &self.severity),
            ("agency", &self.agency.id),
            ("system", &self.system.id),
            ("check", &self.check),
        ]
    }
}

/// A new delivery id: a ULID (48-bit millisecond time + 80 random bits, Crockford
/// base32), sortable by creation time and stable across retries of one notification.
pub fn delivery_id() -> String {
    use ring::rand::SecureRandom;
    const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut random = [0u8; 10];
    ring::rand::SystemRandom::new()
        .fill(&mut random)
        .expect("the system random source is available");
    let mut value: u128 = (crate::util::unix_millis().max(0) as u128) << 80;
    for (i, b) in random.iter().enumerate() {
        value |= u128::from(*b) << (8 * (9 - i));
    }
    (0..26)
        .rev()
        .map(|i| ALPHABET[((value >> (5 * i)) & 31) as usize] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_ids_are_ulids_sorted_by_time() {
        let a = delivery_id();
        std::thread::sleep(std::time::Duration::from_millis(2));
        let b = delivery_id();
        assert_eq!(a.len(), 26);
        assert!(a.starts_with('0'), "{a}");
        assert!(a < b, "{a} < {b}");
    }

    #[test]
    fn fingerprint_depends_on_every_part() {
        let f = fingerprint(AlertName::CheckDown, "a", "s", "c");
        assert_eq!(f.len(), 16);
        assert_eq!(f, fingerprint(AlertName::CheckDown, "a", "s", "c"));
        assert_ne!(f, fingerprint(AlertName::CheckDegraded, "a", "s", "c"));
        assert_ne!(f, fingerprint(AlertName::CheckDown, "a", "sc", ""));
    }

    #[test]
    fn the_config_knows_every_alert_name() {
        let names: Vec<&str> = AlertName::ALL.iter().map(|a| a.as_str()).collect();
        assert_eq!(names, crate::config::ALERT_NAMES);
    }
}
