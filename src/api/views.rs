//! JSON bodies of `/api/v1/status` and `/api/v1/agencies[/{agency}]`, rendered from a
//! [`Snapshot`]. The shapes here are the ones `openapi.rs` documents; change both.

use serde_json::{json, Value};

use super::snapshot::{agency_kind, system_kind, AgencyView, CheckView, Snapshot, SystemView};
use crate::fleet::LastResult;
use crate::util::rfc3339;
use crate::vantage::Vantage;

/// `GET /api/v1/status`, with the number of firing alerts from the store.
pub fn status(snap: &Snapshot, alerts_firing: usize, vantage: &Vantage) -> Value {
    let t = snap.totals();
    let agencies: Vec<Value> = snap
        .agencies
        .iter()
        .zip(snap.ranks())
        .map(|(a, (league, rank))| {
            let at = a.totals();
            let s = &a.standing;
            json!({
                "id": a.id,
                "code": a.code,
                "name": a.name,
                "kind": agency_kind(a.kind),
                "league": league.as_str(),
                "rank": rank,
                "required": s.required,
                "connected": s.connected,
                "disconnected": s.disconnected,
                "unregistered": s.unregistered,
                "ratio": s.ratio(),
                "mandate": a.mandate().as_str(),
                "checks": at.checks(),
                "checks_down": at.checks_down,
            })
        })
        .collect();
    json!({
        "generated_at": rfc3339(snap.now),
        "totals": {
            "agencies": snap.agencies.len(),
            "checks": {
                "total": t.checks(),
                "up": t.checks_up,
                "degraded": t.checks_degraded,
                "down": t.checks_down,
            },
            "systems": {
                "total": t.systems(),
                "connected": t.systems_connected,
                "disconnected": t.systems_disconnected,
                "unregistered": t.systems_unregistered,
            },
            "alerts": {"firing": alerts_firing},
        },
        // Whether results are being measured at all: while impaired they are unknown.
        "measurement": {
            "vantage": vantage.id,
            "impaired": vantage.impaired_since().is_some(),
            "impaired_since": vantage.impaired_since().map(rfc3339),
        },
        "agencies": agencies,
    })
}

/// `GET /api/v1/agencies`.
pub fn agencies(snap: &Snapshot) -> Value {
    json!({
        "generated_at": rfc3339(snap.now),
        "agencies": snap.agencies.iter().map(agency).collect::<Vec<_>>(),
    })
}

/// One agency with its systems and checks (`GET /api/v1/agencies/{agency}`).
pub fn agency(a: &AgencyView) -> Value {
    let s = &a.standing;
    json!({
        "id": a.id,
        "code": a.code,
        "name": a.name,
        "kind": agency_kind(a.kind),
        "connection": {
            "required": s.required,
            "connected": s.connected,
            "disconnected": s.disconnected,
            "unregistered": s.unregistered,
            "ratio": s.ratio(),
            "mandate": a.mandate().as_str(),
        },
        "systems": a.systems.iter().map(system).collect::<Vec<_>>(),
    })
}

fn system(s: &SystemView) -> Value {
    json!({
        "id": s.id,
        "name": s.name,
        "kind": system_kind(s.kind),
        "required": s.required,
        "connection": s.connection.as_str(),
        "checks": s.checks.iter().map(check_summary).collect::<Vec<_>>(),
    })
}

fn check_summary(c: &CheckView) -> Value {
    let rt = &c.runtime;
    json!({
        "id": &*rt.check,
        "full_id": rt.id.as_str(),
        "kind": rt.config.kind.name(),
        "state": c.live.state.status.as_str(),
        "last_result": c.live.last.as_ref().map(|l| last_result(l, false, &[])),
    })
}

/// A check's last result; with `full`, its phases, certificate expiry and message,
/// with every string of `redact` replaced by `***`.
pub fn last_result(l: &LastResult, full: bool, redact: &[&str]) -> Value {
    let mut v = json!({
        "at": rfc3339(l.at),
        "result": l.result.as_str(),
        "error_kind": l.error.map(|e| e.as_str()),
        "status_code": l.status_code,
        "duration_seconds": l.duration,
    });
    if full {
        let [resolve, connect, tls, processing, transfer] = l.phases.as_array();
        v["phases"] = json!({
            "resolve": resolve.as_secs_f64(),
            "connect": connect.as_secs_f64(),
            "tls": tls.as_secs_f64(),
            "processing": processing.as_secs_f64(),
            "transfer": transfer.as_secs_f64(),
        });
        v["cert_expiry"] = json!(l.cert_expiry.map(rfc3339));
        v["message"] = json!(l.message.as_deref().map(|m| scrub(m, redact)));
        v["page"] = json!(l.page.as_deref().map(super::page::figures_json));
    }
    v
}

/// `message` with every non-empty string of `secrets` replaced by `***`.
pub fn scrub(message: &str, secrets: &[&str]) -> String {
    secrets
        .iter()
        .filter(|s| !s.is_empty())
        .fold(message.to_owned(), |m, s| m.replace(s, "***"))
}
