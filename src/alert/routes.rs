//! Routing (docs/configuration.md): every route whose matcher matches an alert sends it to its
//! receiver; a route without a matcher matches everything. Each receiver gets an
//! alert at most once.

use crate::config::Alerting;

use super::Event;

/// The receivers an event goes to, in route order, without duplicates.
pub fn receivers<'a>(alerting: &'a Alerting, e: &Event) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for r in &alerting.routes {
        let vantage = e.vantage.as_deref().unwrap_or_default();
        let ids = [e.agency.id.as_str(), &e.system.id, &e.check, vantage];
        let hit = r.matcher.matches_alert(e.name.as_str(), &e.severity, ids);
        if hit && !out.contains(&r.receiver.as_str()) {
            out.push(&r.receiver);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{AlertName, Named, Status};
    use crate::config::{Matcher, Route};

    fn event(severity: &str, agency: &str) -> Event {
        Event {
            name: AlertName::CheckDown,
            severity: severity.into(),
            fingerprint: "f".into(),
            status: Status::Firing,
            repeat: false,
            agency: Named {
                id: agency.into(),
                name: agency.into(),
            },
            system: Named {
                id: "s".into(),
                name: "s".into(),
            },
            check: "c".into(),
            summary: String::new(),
            description: String::new(),
            starts_at: 0,
            ends_at: None,
            last_result: None,
            vantage: None,
            runbook_url: None,
        }
    }

    #[test]
    fn every_matching_route_once_in_order() {
        let route = |receiver: &str, severity: &[&str], agency: &[&str]| Route {
            receiver: receiver.into(),
            matcher: Matcher {
                severity: severity.iter().map(|s| s.to_string()).collect(),
                agency: agency.iter().map(|s| s.to_string()).collect(),
                ..Matcher::default()
            },
        };
        let alerting = Alerting {
            repeat_interval: std::time::Duration::ZERO,
            receivers: vec![],
            runbook_urls: vec![],
            routes: vec![
                route("ops", &["critical"], &[]),
                route("btp", &[], &["bo-tu-phap"]),
                route("all", &[], &[]),
                route("ops", &[], &[]),
            ],
        };
        assert_eq!(
            receivers(&alerting, &event("critical", "bo-tu-phap")),
            ["ops", "btp", "all"]
        );
        assert_eq!(
            receivers(&alerting, &event("warning", "ha-noi")),
            ["all", "ops"]
        );
    }

    #[test]
    fn routes_match_on_alertname_and_vantage() {
        let route = |receiver: &str, alertname: &[&str], vantage: &[&str]| Route {
            receiver: receiver.into(),
            matcher: Matcher {
                alertname: alertname.iter().map(|s| s.to_string()).collect(),
                vantage: vantage.iter().map(|s| s.to_string()).collect(),
                ..Matcher::default()
            },
        };
        let alerting = Alerting {
            repeat_interval: std::time::Duration::ZERO,
            receivers: vec![],
            runbook_urls: vec![],
            routes: vec![
                route("slo-team", &["SLOBudgetBurn"], &[]),
                route("noc-hn", &[], &["hn-vnpt"]),
            ],
        };
        let mut burn = event("warning", "a");
        burn.name = AlertName::SloBudgetBurn;
        assert_eq!(receivers(&alerting, &burn), ["slo-team"]);
        assert!(receivers(&alerting, &event("critical", "a")).is_empty());
        let mut impaired = event("critical", "");
        impaired.name = AlertName::VantageImpaired;
        impaired.vantage = Some("hn-vnpt".into());
        assert_eq!(receivers(&alerting, &impaired), ["noc-hn"]);
        impaired.vantage = Some("hcm".into());
        assert!(receivers(&alerting, &impaired).is_empty());
    }
}
