//! What receivers are sent (docs/alerts.md): the `emcd` webhook body, the Alertmanager webhook
//! (v4) body for `format: alertmanager`, the alert list POSTed to an Alertmanager's
//! `/api/v2/alerts`, and the HMAC signature of a webhook body.

use serde_json::{json, Map, Value};

use super::{rfc3339, Event, Status};

/// Alertmanager writes this for "no end" in webhook bodies.
const NO_TIME: &str = "0001-01-01T00:00:00Z";

fn labels(e: &Event) -> Map<String, Value> {
    e.labels()
        .into_iter()
        .map(|(k, v)| (k.to_owned(), Value::from(v)))
        .collect()
}

fn annotations(e: &Event) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("summary".into(), e.summary.clone().into());
    m.insert("description".into(), e.description.clone().into());
    if let Some(url) = &e.runbook_url {
        m.insert("runbook_url".into(), url.clone().into());
    }
    m
}

/// The `format: emcd` webhook body.
pub fn emcd(e: &Event, delivery_id: &str, sent_at: i64) -> Value {
    json!({
        "version": "1",
        "delivery_id": delivery_id,
        "status": e.status.as_str(),
        "alert": {
            "name": e.name.as_str(),
            "severity": e.severity,
            "fingerprint": e.fingerprint,
            "agency": {"id": e.agency.id, "name": e.agency.name},
            "system": {"id": e.system.id, "name": e.system.name},
            "check": e.check,
            "labels": labels(e),
            "summary": e.summary,
            "description": e.description,
            "runbook_url": e.runbook_url,
            "repeat": e.repeat,
            "starts_at": rfc3339(e.starts_at),
            "ends_at": e.ends_at.map(rfc3339),
            "last_result": e.last_result.as_ref().map(|r| json!({
                "at": rfc3339(r.at),
                "result": r.result,
                "error_kind": r.error_kind,
                "status_code": r.status_code,
                "duration_seconds": r.duration_seconds,
                "message": r.message,
            })),
        },
        "sent_at": rfc3339(sent_at),
    })
}

/// One alert as Alertmanager's webhook shows it.
fn am_alert(e: &Event, generator_url: &str) -> Value {
    json!({
        "status": e.status.as_str(),
        "labels": labels(e),
        "annotations": annotations(e),
        "startsAt": rfc3339(e.starts_at),
        "endsAt": e.ends_at.map(rfc3339).unwrap_or_else(|| NO_TIME.to_owned()),
        "generatorURL": generator_url,
        "fingerprint": e.fingerprint,
    })
}

/// The `format: alertmanager` webhook body: the same shape Alertmanager's own webhook
/// sends (version 4), one alert per notification.
pub fn alertmanager_webhook(
    e: &Event,
    receiver: &str,
    external_url: &str,
    generator_url: &str,
) -> Value {
    let group_labels = json!({"alertname": e.name.as_str()});
    json!({
        "version": "4",
        "groupKey": format!("{{}}:{{alertname=\"{}\"}}", e.name.as_str()),
        "truncatedAlerts": 0,
        "status": e.status.as_str(),
        "receiver": receiver,
        "groupLabels": group_labels,
        "commonLabels": labels(e),
        "commonAnnotations": annotations(e),
        "externalURL": external_url,
        "alerts": [am_alert(e, generator_url)],
    })
}

/// How long an alert POSTed to Alertmanager stays firing without a re-send (as
/// Prometheus does: four re-send intervals), so alerts end if emcd dies.
pub const AM_RESEND: i64 = 60;

/// The body of `POST /api/v2/alerts` for these events at `now`.
pub fn alertmanager_api(events: &[&Event], generator_url: &str, now: i64) -> Value {
    Value::Array(
        events
            .iter()
            .map(|e| {
                let ends_at = match e.status {
                    Status::Resolved => e.ends_at.unwrap_or(now),
                    Status::Firing => now + 4 * AM_RESEND,
                };
                json!({
                    "labels": labels(e),
                    "annotations": annotations(e),
                    "startsAt": rfc3339(e.starts_at),
                    "endsAt": rfc3339(ends_at),
                    "generatorURL": generator_url,
                })
            })
            .collect(),
    )
}

/// `sha256=HEX` of HMAC-SHA256(secret, TIMESTAMP + "." + BODY).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, secret.as_bytes());
    let mut ctx = ring::hmac::Context::with_key(&key);
    ctx.update(timestamp.to_string().as_bytes());
    ctx.update(b".");
    ctx.update(body);
    format!("sha256={}", crate::token::hex(ctx.sign().as_ref()))
}

/// The base URL of emcd (`server.public_url`, else `http://<server.listen>`) and the page
/// a person opens from the alert (docs/alerts.md): the status page of the alert's agency
/// (its systems and checks, what is down and since when), or the status page's index
/// for an alert about a vantage, which belongs to no agency. Never a JSON endpoint.
pub fn urls(cfg: &crate::config::Config, e: &Event) -> (String, String) {
    let base = match &cfg.server.public_url {
        Some(u) => u.as_str().trim_end_matches('/').to_owned(),
        None => format!("http://{}", cfg.server.listen),
    };
    let page = match &e.vantage {
        Some(_) => format!("{base}/"),
        None => format!("{base}/agencies/{}", e.agency.id),
    };
    (base, page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::{AlertName, Named};

    fn event(status: Status) -> Event {
        Event {
            name: AlertName::CheckDown,
            severity: "critical".into(),
            fingerprint: "3f2a".into(),
            status,
            repeat: false,
            agency: Named {
                id: "bo-tu-phap".into(),
                name: "Bộ Tư pháp".into(),
            },
            system: Named {
                id: "ho-tich".into(),
                name: "Hộ tịch".into(),
            },
            check: "portal".into(),
            summary: "s".into(),
            description: "d".into(),
            starts_at: 1_795_392_000,
            ends_at: (status == Status::Resolved).then_some(1_795_392_600),
            last_result: None,
            vantage: None,
            runbook_url: None,
        }
    }

    #[test]
    fn emcd_body_has_the_spec_fields() {
        let v = emcd(&event(Status::Firing), "01JD", 1_795_392_001);
        assert_eq!(v["version"], "1");
        assert_eq!(v["status"], "firing");
        assert_eq!(v["alert"]["labels"]["alertname"], "CheckDown");
        assert_eq!(v["alert"]["agency"]["name"], "Bộ Tư pháp");
        assert_eq!(v["alert"]["starts_at"], "2026-11-23T00:00:00Z");
        assert_eq!(v["alert"]["ends_at"], Value::Null);
        assert_eq!(v["sent_at"], "2026-11-23T00:00:01Z");
    }

    #[test]
    fn alertmanager_bodies() {
        let v = alertmanager_webhook(
            &event(Status::Resolved),
            "ops",
            "http://emc",
            "http://emc/x",
        );
        assert_eq!(v["version"], "4");
        assert_eq!(v["alerts"][0]["endsAt"], "2026-11-23T00:10:00Z");
        let firing = event(Status::Firing);
        let a = alertmanager_api(&[&firing], "g", 1_795_392_000);
        assert_eq!(a[0]["endsAt"], "2026-11-23T00:04:00Z");
    }

    #[test]
    fn signature_is_hmac_sha256_of_timestamp_dot_body() {
        // RFC 4231 test case 2 shape: key "Jefe", data "what do ya want for nothing?".
        let sig = signature("Jefe", 0, b"what do ya want for nothing?");
        // Data here is "0." + body, so compare against ring computed independently.
        let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"Jefe");
        let want = ring::hmac::sign(&key, b"0.what do ya want for nothing?");
        assert_eq!(sig, format!("sha256={}", crate::token::hex(want.as_ref())));
    }

    #[test]
    fn a_runbook_url_is_in_both_bodies() {
        let mut e = event(Status::Firing);
        e.runbook_url = Some("https://wiki.example.gov.vn/rb/bo-tu-phap".into());
        let v = emcd(&e, "01JD", 1_795_392_001);
        assert_eq!(
            v["alert"]["runbook_url"],
            "https://wiki.example.gov.vn/rb/bo-tu-phap"
        );
        assert_eq!(
            annotations(&e)["runbook_url"],
            "https://wiki.example.gov.vn/rb/bo-tu-phap"
        );
        assert!(!annotations(&event(Status::Firing)).contains_key("runbook_url"));
    }

    #[test]
    fn generator_urls_are_the_status_page_of_the_alert_s_agency() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
        std::fs::write(
            dir.path().join("emcd.yaml"),
            "server: {public_url: \"https://emc.example.gov.vn/\"}\ninclude: [agencies/*.yaml]\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("agencies/ha-noi.yaml"),
            "agency: {id: ha-noi, code: HN, name: Hà Nội, kind: city}\nsystems: []\n",
        )
        .unwrap();
        let cfg = crate::config::load(&dir.path().join("emcd.yaml")).unwrap();
        let mut e = event(Status::Firing);
        let (base, check) = urls(&cfg, &e);
        assert_eq!(base, "https://emc.example.gov.vn");
        assert_eq!(check, "https://emc.example.gov.vn/agencies/bo-tu-phap");
        e.check = String::new();
        assert_eq!(urls(&cfg, &e).1, format!("{base}/agencies/bo-tu-phap"));
        e.vantage = Some("hanoi-1".into());
        assert_eq!(urls(&cfg, &e).1, "https://emc.example.gov.vn/");
    }
}
