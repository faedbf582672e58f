//! A fully specified configuration (`tests/fixtures/config/full`, no key at its default)
//! loads into exactly the expected model values; a minimal one gets docs/configuration.md defaults.

use std::path::Path;
use std::time::Duration;

use http::Method;

use super::*;

const MIN: u64 = 60;

fn env(name: &str) -> Option<String> {
    match name {
        "EMCD_TEST_ADMIN_TOKEN" => Some("adm1n".into()),
        "EMCD_TEST_WEBHOOK_SECRET" => Some("h00k".into()),
        "EMCD_TEST_BEARER" => Some("b34r3r".into()),
        "EMCD_TEST_HOST" => Some("hotich.example.gov.vn".into()),
        _ => None,
    }
}

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(name)
        .join("emcd.yaml")
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn full_example_main_file() {
    let cfg = load_with_env(&fixture("full"), &env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cfg.server.listen.to_string(), "0.0.0.0:9999");
    assert_eq!(cfg.server.admin_token, Some(Secret("adm1n".into())));
    assert_eq!(
        cfg.server.public_url.as_ref().unwrap().as_str(),
        "https://emc.example.gov.vn/"
    );
    let s = &cfg.server;
    assert_eq!(
        (s.max_connections, s.header_timeout, s.idle_timeout),
        (2000, secs(5), secs(120))
    );
    assert_eq!(cfg.storage.path, Path::new("/var/lib/emcd/emcd.db"));
    assert_eq!(
        (
            cfg.storage.retention.raw,
            cfg.storage.retention.hourly,
            cfg.storage.retention.daily
        ),
        (secs(7 * 86400), secs(30 * 86400), secs(400 * 86400))
    );
    assert_eq!(cfg.probing.max_in_flight, 64);
    let ua = format!(
        "emcd-test/{} (+https://emc.example.gov.vn)",
        env!("CARGO_PKG_VERSION")
    );
    assert_eq!(cfg.probing.user_agent, ua);
    let p = &cfg.probing;
    assert_eq!(p.canary_interval, secs(30));
    assert_eq!(p.source_address, Some("10.0.0.5".parse().unwrap()));
    let canaries: Vec<(&str, &str)> = p
        .canaries
        .iter()
        .map(|c| (c.id.as_str(), c.kind.name()))
        .collect();
    assert_eq!(canaries, [("gw", "tcp"), ("ndp", "http")]);
    assert_eq!(cfg.cluster.vantage, "hn-vnpt");
    assert_eq!(cfg.connection.window, secs(30 * MIN));
    assert_eq!(cfg.sla.timezone, chrono_tz::Asia::Bangkok);
    assert!(!cfg.sla.exclude_maintenance);

    let a = &cfg.alerting;
    assert_eq!(a.repeat_interval, Duration::ZERO);
    assert_eq!(a.receivers.len(), 2);
    let ReceiverKind::Webhook(w) = &a.receivers[0].kind else {
        panic!("webhook")
    };
    assert_eq!(a.receivers[0].name, "ops");
    assert_eq!(w.url.as_str(), "https://hooks.example.gov.vn/emc");
    assert_eq!(w.format, WebhookFormat::Alertmanager);
    assert_eq!(w.secret, Some(Secret("h00k".into())));
    assert_eq!(w.headers.len(), 1);
    assert_eq!(
        (w.headers[0].0.as_str(), w.headers[0].1.to_str().unwrap()),
        ("x-team", "noc")
    );
    assert_eq!(w.timeout, secs(7));
    let ReceiverKind::Alertmanager { url } = &a.receivers[1].kind else {
        panic!("alertmanager")
    };
    assert_eq!(url.as_str(), "http://127.0.0.1:9093/");
    assert_eq!(a.routes.len(), 2);
    let m = &a.routes[0].matcher;
    assert_eq!(
        (m.severity.clone(), m.agency.clone()),
        (vec!["critical".into()], vec!["bo-tu-phap".into()])
    );
    assert_eq!(
        (m.system.clone(), m.check.clone()),
        (vec!["ho-tich".into()], vec!["portal".into()])
    );
    assert_eq!(a.routes[1].receiver, "am");
    assert!(a.routes[1].matcher.severity.is_empty() && a.routes[1].matcher.agency.is_empty());
    let m = &a.routes[1].matcher;
    assert_eq!(m.alertname, ["SLOBudgetBurn", "VantageImpaired"]);
    assert_eq!(m.vantage, ["hn-vnpt"]);
    assert_eq!(
        a.runbook_url("CheckDown", ["bo-tu-phap", "ho-tich", "portal", ""])
            .as_deref(),
        Some("https://wiki.example.gov.vn/runbooks/check-down?check=bo-tu-phap/ho-tich/portal")
    );
    assert_eq!(a.runbook_url("CheckDegraded", ["a", "s", "c", ""]), None);

    let mw = &cfg.maintenance[0];
    assert_eq!(mw.name, "weekly-patching");
    assert_eq!(mw.schedule.to_string(), "0 0 2 * * Sun");
    assert_eq!(mw.duration, secs(2 * 3600));
    assert_eq!(mw.matcher.check, vec!["portal".to_owned()]);
}

#[test]
fn full_example_agency_file() {
    let cfg = load_with_env(&fixture("full"), &env).unwrap_or_else(|e| panic!("{e}"));
    let agency = &cfg.agencies[0];
    assert_eq!(
        (
            agency.id.as_str(),
            agency.code.as_str(),
            agency.name.as_str()
        ),
        ("bo-tu-phap", "BTP", "Bộ Tư pháp")
    );
    assert_eq!(agency.kind, AgencyKind::Ministry);
    // The digest of "test".
    assert_eq!(agency.indicators_token, Some(crate::token::digest("test")),);
    assert!(agency.file.ends_with("full/agencies/bo-tu-phap.yaml"));
    let [ho_tich, portal_sys, mot_cua] = &agency.systems[..] else {
        panic!("three systems")
    };
    assert_eq!((ho_tich.kind, ho_tich.required), (SystemKind::Tthc, true));
    assert_eq!(
        (portal_sys.kind, portal_sys.required),
        (SystemKind::Portal, false)
    );
    assert!(portal_sys.checks.is_empty());
    assert_eq!((mot_cua.kind, mot_cua.required), (SystemKind::Tthc, false));

    let portal = &ho_tich.checks[0];
    assert_eq!(portal.full_id.as_str(), "bo-tu-phap/ho-tich/portal");
    let overridden = Policy {
        interval: secs(30),
        timeout: secs(5),
        failure_threshold: 2,
        success_threshold: 1,
        degraded_after: secs(1),
        slo_availability: 99.0,
        cert_min_days: 7,
        vantages: Vec::new(),
        quorum: None,
    };
    assert_eq!(portal.policy, overridden);
    let CheckKind::Http(h) = &portal.kind else {
        panic!("http")
    };
    assert_eq!(h.url.as_str(), "https://hotich.example.gov.vn/");
    assert_eq!(h.method, Method::POST);
    assert_eq!(h.headers[1].0.as_str(), "authorization");
    assert_eq!(h.headers[1].1.to_str().unwrap(), "Bearer b34r3r");
    assert!(h.headers[1].1.is_sensitive() && !h.headers[0].1.is_sensitive());
    assert_eq!(h.body.as_deref(), Some(r#"{"ping": true}"#));
    assert!(!h.follow_redirects && h.insecure_skip_verify);
    let e = &h.expect;
    assert_eq!(e.status, vec![200..=299, 404..=404]);
    assert_eq!(e.body_contains.as_deref(), Some("Đăng ký"));
    assert_eq!(e.body_not_contains.as_deref(), Some("Lỗi hệ thống"));
    assert_eq!(e.body_regex.as_ref().unwrap().as_str(), "v[0-9]+");
    assert_eq!(e.headers[0].0.as_str(), "content-type");
    assert_eq!(e.headers[0].1.as_str(), "^text/html");
    assert_eq!(e.json[0].path_text, "$.data.items[0].status");
    use JsonStep::{Index, Key};
    let steps = vec![
        Key("data".into()),
        Key("items".into()),
        Index(0),
        Key("status".into()),
    ];
    assert_eq!(e.json[0].path, steps);
    assert_eq!(e.json[0].equals, serde_json::json!("UP"));
    assert_eq!(e.json[1].equals, serde_json::json!(3));
    // `${VAR}` is substituted inside the strings of `equals`.
    assert_eq!(
        e.json[2].equals,
        serde_json::json!({"name": "hotich.example.gov.vn", "port": 443})
    );
    assert_eq!(e.max_response_time, Some(secs(4)));

    // Inherited from `defaults`.
    let inherited = Policy {
        interval: secs(2 * MIN),
        timeout: secs(20),
        failure_threshold: 4,
        success_threshold: 3,
        degraded_after: secs(5),
        slo_availability: 99.9,
        cert_min_days: 21,
        vantages: Vec::new(),
        quorum: None,
    };
    let tcp = &ho_tich.checks[1];
    assert_eq!(tcp.policy, inherited);
    let CheckKind::Tcp(t) = &tcp.kind else {
        panic!("tcp")
    };
    assert_eq!(
        (t.host.as_str(), t.port, t.tls, t.insecure_skip_verify),
        ("api.hotich.example.gov.vn", 443, true, true)
    );

    let CheckKind::Push(p) = &ho_tich.checks[2].kind else {
        panic!("push")
    };
    assert_eq!(p.max_silence, secs(10 * MIN));
    assert_eq!(p.token_digest[..4], [0x9f, 0x86, 0xd0, 0x81]);
    let CheckKind::Push(p) = &ho_tich.checks[3].kind else {
        panic!("push")
    };
    assert_eq!(p.max_silence, secs(4 * MIN), "twice the inherited interval");
    assert_eq!(
        p.token_digest[..4],
        [0x9f, 0x86, 0xd0, 0x81],
        "hex is case-insensitive"
    );

    // Without `expect` and without following redirects... follows by default: 200-399.
    let CheckKind::Http(home) = &mot_cua.checks[0].kind else {
        panic!("http")
    };
    assert_eq!(home.expect.status, vec![200..=399]);
    assert_eq!(home.method, Method::GET);
    assert!(home.follow_redirects && !home.insecure_skip_verify);
}

#[test]
fn defaults_when_only_include() {
    let cfg = load_with_env(&fixture("ok-only-include"), &env).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cfg.server.listen.to_string(), "127.0.0.1:9464");
    assert!(cfg.server.admin_token.is_none() && cfg.server.public_url.is_none());
    assert_eq!(cfg.server.language, Language::Vi);
    let s = &cfg.server;
    assert_eq!(
        (s.max_connections, s.header_timeout, s.idle_timeout),
        (512, secs(10), secs(60))
    );
    assert_eq!(cfg.storage.path, Path::new("data/emcd.db"));
    let r = &cfg.storage.retention;
    assert_eq!(
        (r.raw, r.hourly, r.daily),
        (secs(14 * 86400), secs(90 * 86400), secs(800 * 86400))
    );
    assert_eq!(cfg.probing.max_in_flight, 1024);
    assert!(cfg.probing.canaries.is_empty() && cfg.probing.source_address.is_none());
    assert_eq!(cfg.probing.canary_interval, secs(10));
    assert_eq!(cfg.cluster.vantage, "local");
    assert_eq!(
        cfg.probing.user_agent,
        format!("emcd/{}", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(cfg.connection.window, secs(15 * MIN));
    assert_eq!(cfg.sla.timezone, chrono_tz::Asia::Ho_Chi_Minh);
    assert!(cfg.sla.exclude_maintenance);
    assert_eq!(cfg.alerting.repeat_interval, secs(4 * 3600));
    assert!(cfg.alerting.receivers.is_empty() && cfg.maintenance.is_empty());
    let (_, system, check) = cfg.checks().next().unwrap();
    assert!(system.required, "tthc systems are required by default");
    let builtin = Policy {
        interval: secs(60),
        timeout: secs(10),
        failure_threshold: 3,
        success_threshold: 2,
        degraded_after: secs(3),
        slo_availability: 99.5,
        cert_min_days: 14,
        vantages: Vec::new(),
        quorum: None,
    };
    assert_eq!(check.policy, builtin);
}

#[test]
fn summary_counts() {
    let cfg = load_with_env(&fixture("full"), &env).unwrap();
    let text = summary(&cfg);
    assert!(text.contains("agencies     1 (1 ministry)"), "{text}");
    assert!(
        text.contains("systems      3, 1 required, 0 unregistered"),
        "{text}"
    );
    assert!(
        text.contains("checks       5 (2 http, 1 tcp, 2 push)"),
        "{text}"
    );
    assert!(
        text.contains("alerting     2 receivers (1 webhook), 2 routes, never repeated"),
        "{text}"
    );
    assert!(text.contains("maintenance  1 window"), "{text}");
    assert!(
        text.contains("storage      /var/lib/emcd/emcd.db (raw 7d, hourly 30d, daily 400d)"),
        "{text}"
    );
    assert!(text.contains("listen       0.0.0.0:9999"), "{text}");
}

#[test]
fn the_digest_is_of_the_files_as_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    std::fs::write(dir.path().join("emcd.yaml"), "include: [agencies/*.yaml]\n").unwrap();
    let agency = |name: &str| {
        let yaml =
            format!("agency: {{id: ha-noi, code: HN, name: {name}, kind: city}}\nsystems: []\n");
        std::fs::write(dir.path().join("agencies/ha-noi.yaml"), yaml).unwrap();
        load(&dir.path().join("emcd.yaml")).unwrap().digest
    };
    let first = agency("Hà Nội");
    assert!(
        first.starts_with("sha256:") && first.len() == 7 + 64,
        "{first}"
    );
    assert_eq!(agency("Hà Nội"), first, "the same files, the same digest");
    assert_ne!(agency("Thủ đô Hà Nội"), first, "an agency file changed");
}
