//! `alerting`: receivers, routes, matchers and maintenance windows (docs/alerts.md,
//! docs/configuration.md).

use std::time::Duration;

use http::{HeaderName, HeaderValue};
use url::Url;

use super::{Secret, Transport};

#[derive(Clone, Debug)]
pub struct Alerting {
    /// Zero means never re-notify.
    pub repeat_interval: Duration,
    pub receivers: Vec<Receiver>,
    pub routes: Vec<Route>,
    /// (alert name, URL template) of `alerting.runbook_url`.
    pub runbook_urls: Vec<(String, String)>,
}

impl Alerting {
    /// The runbook URL of an alert, its placeholders replaced by the alert's ids.
    pub fn runbook_url(&self, alertname: &str, ids: [&str; 4]) -> Option<String> {
        let (_, template) = self.runbook_urls.iter().find(|(n, _)| n == alertname)?;
        let [agency, system, check, vantage] = ids;
        Some(
            template
                .replace("{agency}", agency)
                .replace("{system}", system)
                .replace("{check}", check)
                .replace("{vantage}", vantage),
        )
    }
}

#[derive(Clone, Debug)]
pub struct Receiver {
    pub name: String,
    pub kind: ReceiverKind,
    /// `proxy` and `ca_file`: how its deliveries reach it.
    pub transport: Transport,
}

#[derive(Clone, Debug)]
pub enum ReceiverKind {
    Webhook(Webhook),
    Alertmanager { url: Url },
}

#[derive(Clone, Debug)]
pub struct Webhook {
    pub url: Url,
    pub format: WebhookFormat,
    pub secret: Option<Secret>,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub timeout: Duration,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookFormat {
    Emcd,
    Alertmanager,
}

#[derive(Clone, Debug)]
pub struct Route {
    pub receiver: String,
    /// Empty matcher = everything.
    pub matcher: Matcher,
}

/// The alert names a route may match (docs/alerts.md).
pub const ALERT_NAMES: [&str; 6] = [
    "CheckDown",
    "CheckDegraded",
    "CertificateExpiring",
    "SLOBudgetBurn",
    "SystemNotConnected",
    "VantageImpaired",
];

/// Matches alerts or checks by label. An empty list means "any".
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    /// Alert names (routes only).
    pub alertname: Vec<String>,
    pub severity: Vec<String>,
    pub agency: Vec<String>,
    pub system: Vec<String>,
    pub check: Vec<String>,
    /// Vantage ids (routes only; only `VantageImpaired` has one).
    pub vantage: Vec<String>,
}

impl Matcher {
    /// Whether the labels match: each non-empty list must contain the label's value.
    /// `severity` is `None` where there is none (maintenance windows).
    pub fn matches(&self, severity: Option<&str>, agency: &str, system: &str, check: &str) -> bool {
        let ok = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
        severity.is_none_or(|s| ok(&self.severity, s))
            && ok(&self.agency, agency)
            && ok(&self.system, system)
            && ok(&self.check, check)
    }

    /// Whether an alert with these labels matches (a route): `alertname` and `vantage`
    /// too; an alert without a vantage matches no `vantage` list, and one about a
    /// vantage (empty agency, system and check) matches no agency, system or check list.
    pub fn matches_alert(&self, alertname: &str, severity: &str, ids: [&str; 4]) -> bool {
        let ok = |list: &[String], v: &str| list.is_empty() || list.iter().any(|x| x == v);
        let [agency, system, check, vantage] = ids;
        ok(&self.alertname, alertname)
            && self.matches(Some(severity), agency, system, check)
            && ok(&self.vantage, vantage)
    }
}

#[derive(Clone, Debug)]
pub struct MaintenanceWindow {
    pub name: String,
    /// Cron with seconds, evaluated in `sla.timezone`.
    pub schedule: cron::Schedule,
    pub duration: Duration,
    pub matcher: Matcher,
}
