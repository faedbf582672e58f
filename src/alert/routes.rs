//! Routing (SPEC 3.1): every route whose matcher matches an alert sends it to its
//! receiver; a route without a matcher matches everything. Each receiver gets an
//! alert at most once.

use crate::config::Alerting;

use super::Event;

/// The receivers an event goes to, in route order, without duplicates.
pub fn receivers<'a>(alerting: &'a Alerting, e: &Event) -> Vec<&'a str> {
    let mut out: Vec<&str> = Vec::new();
    for r in &alerting.routes {
        let hit = r
            .matcher
            .matches(Some(&e.severity), &e.agency.id, &e.system.id, &e.check);
        if hit && !out.contains(&r.receiver.as_str()) {
            out.push(&r.receiver);
        }
    }
    out
}
