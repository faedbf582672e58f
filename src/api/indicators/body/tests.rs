//! One bad body per rule, each answered with the field it breaks and the value quoted;
//! every rule a body breaks is listed.

use super::*;

/// An agency with two procedure systems and a portal, loaded by the real loader.
fn agency() -> Agency {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    std::fs::write(dir.path().join("emcd.yaml"), "include: [agencies/*.yaml]\n").unwrap();
    let yaml = "agency: {id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}\n\
                systems:\n\
                \x20 - {id: ho-tich, name: Hộ tịch, kind: tthc, checks: []}\n\
                \x20 - {id: ly-lich, name: Lý lịch, kind: tthc, checks: []}\n\
                \x20 - {id: cong, name: Cổng, kind: portal, checks: []}\n";
    std::fs::write(dir.path().join("agencies/bo-tu-phap.yaml"), yaml).unwrap();
    let config = crate::config::load_with_env(&dir.path().join("emcd.yaml"), &|_| None).unwrap();
    config.agencies[0].clone()
}

const NOW: &str = "2026-11";

fn good_system(id: &str) -> Value {
    serde_json::json!({
        "system": id, "received": 100, "resolved_on_time": 80, "resolved_late": 15,
        "submitted_online": 60, "paid_online": 30, "satisfaction": 91.5,
    })
}

fn body(month: &str, systems: Vec<Value>) -> Vec<u8> {
    serde_json::json!({"month": month, "systems": systems})
        .to_string()
        .into_bytes()
}

/// The errors of a body whose one system has `key` set to `value`.
fn errors_with(key: &str, value: Value) -> Vec<String> {
    let mut s = good_system("ho-tich");
    s[key] = value;
    parse(&body("2026-10", vec![s]), &agency(), NOW).unwrap_err()
}

#[test]
fn a_valid_push_keeps_every_counter() {
    let p = parse(
        &body(
            "2026-11",
            vec![good_system("ho-tich"), good_system("ly-lich")],
        ),
        &agency(),
        NOW,
    )
    .unwrap();
    assert_eq!(p.month, "2026-11", "the current month is not in the future");
    let ids: Vec<&str> = p.systems.iter().map(|s| s.0.as_str()).collect();
    assert_eq!(ids, ["ho-tich", "ly-lich"]);
    assert_eq!(
        p.systems[0].1,
        Counters {
            received: 100,
            resolved_on_time: 80,
            resolved_late: 15,
            submitted_online: 60,
            paid_online: 30,
            satisfaction: 91.5,
        }
    );
    // The bounds themselves are accepted.
    let mut edge = good_system("ho-tich");
    edge["received"] = MAX_COUNT.into();
    edge["resolved_on_time"] = 0.into();
    edge["resolved_late"] = MAX_COUNT.into();
    edge["submitted_online"] = MAX_COUNT.into();
    edge["paid_online"] = MAX_COUNT.into();
    edge["satisfaction"] = 100.into();
    assert!(parse(&body("0001-01", vec![edge]), &agency(), NOW).is_ok());
}

#[test]
fn each_rule_names_the_field_and_quotes_the_value() {
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "received",
            (-1).into(),
            "systems[0].received: -1 is negative: counts are 0 or more",
        ),
        (
            "resolved_on_time",
            (-5).into(),
            "systems[0].resolved_on_time: -5 is negative: counts are 0 or more",
        ),
        (
            "resolved_late",
            1.5.into(),
            "systems[0].resolved_late: expected a whole number from 0 to 1000000000, got 1.5",
        ),
        (
            "submitted_online",
            "12".into(),
            "systems[0].submitted_online: expected a whole number from 0 to 1000000000, got \"12\"",
        ),
        (
            "paid_online",
            (MAX_COUNT + 1).into(),
            "systems[0].paid_online: 1000000001 is over 1000000000",
        ),
        (
            "received",
            u64::MAX.into(),
            "systems[0].received: 18446744073709551615 is over 1000000000",
        ),
        (
            "satisfaction",
            100.5.into(),
            "systems[0].satisfaction: expected a score from 0 to 100, got 100.5",
        ),
        (
            "satisfaction",
            (-0.1).into(),
            "systems[0].satisfaction: expected a score from 0 to 100, got -0.1",
        ),
        (
            "satisfaction",
            Value::Null,
            "systems[0].satisfaction: expected a score from 0 to 100, got null",
        ),
        (
            "resolved_on_time",
            90.into(),
            "systems[0].resolved_late: resolved_on_time 90 + resolved_late 15 = 105 is more than received 100",
        ),
        (
            "submitted_online",
            101.into(),
            "systems[0].submitted_online: 101 is more than received 100",
        ),
        (
            "paid_online",
            150.into(),
            "systems[0].paid_online: 150 is more than received 100",
        ),
        (
            "system",
            "khong-co".into(),
            "systems[0].system: \"khong-co\" is not a system of bo-tu-phap (its procedure systems: ho-tich, ly-lich)",
        ),
        (
            "system",
            "cong".into(),
            "systems[0].system: \"cong\" is a portal system, not a procedure (tthc) system (those of bo-tu-phap: ho-tich, ly-lich)",
        ),
        (
            "system",
            7.into(),
            "systems[0].system: expected a system id, got 7",
        ),
        (
            "extra",
            1.into(),
            "systems[0]: unknown field \"extra\" (expected system, received, resolved_on_time, resolved_late, submitted_online, paid_online, satisfaction)",
        ),
    ];
    for (key, value, want) in cases {
        let got = errors_with(key, value.clone());
        assert_eq!(got, [want], "{key} = {value}");
    }
}

#[test]
fn the_month_is_well_formed_and_not_in_the_future() {
    for (month, want) in [
        (
            "2026-12",
            "month: \"2026-12\" is in the future (the current month is 2026-11)",
        ),
        (
            "2027-01",
            "month: \"2027-01\" is in the future (the current month is 2026-11)",
        ),
        (
            "2026-13",
            "month: expected a month YYYY-MM, e.g. 2026-11, got \"2026-13\"",
        ),
        (
            "2026-00",
            "month: expected a month YYYY-MM, e.g. 2026-11, got \"2026-00\"",
        ),
        (
            "2026-1",
            "month: expected a month YYYY-MM, e.g. 2026-11, got \"2026-1\"",
        ),
        (
            "2026-11-01",
            "month: expected a month YYYY-MM, e.g. 2026-11, got \"2026-11-01\"",
        ),
        (
            "٢٠٢٦-11",
            "month: expected a month YYYY-MM, e.g. 2026-11, got \"٢٠٢٦-11\"",
        ),
    ] {
        let got = parse(&body(month, vec![good_system("ho-tich")]), &agency(), NOW);
        assert_eq!(got.unwrap_err(), [want], "{month}");
    }
    let got = parse(br#"{"month": 202611, "systems": []}"#, &agency(), NOW);
    assert_eq!(
        got.unwrap_err(),
        [
            "month: expected a month YYYY-MM, e.g. 2026-11, got 202611",
            "systems: empty: push at least one system"
        ]
    );
}

#[test]
fn every_broken_rule_is_listed() {
    let mut bad = good_system("ly-lich");
    bad["received"] = 10.into();
    bad.as_object_mut().unwrap().remove("satisfaction");
    let body = body(
        "2030-01",
        vec![good_system("ho-tich"), bad, good_system("ho-tich")],
    );
    let got = parse(&body, &agency(), NOW).unwrap_err();
    assert_eq!(
        got,
        [
            "month: \"2030-01\" is in the future (the current month is 2026-11)",
            "systems[1].satisfaction: missing",
            "systems[1].resolved_late: resolved_on_time 80 + resolved_late 15 = 95 is more than received 10",
            "systems[1].submitted_online: 60 is more than received 10",
            "systems[1].paid_online: 30 is more than received 10",
            "systems[2].system: \"ho-tich\" appears twice (also systems[0]): push each system once",
        ]
    );
}

#[test]
fn malformed_bodies_say_what_is_expected() {
    let a = agency();
    let first = |b: &[u8]| parse(b, &a, NOW).unwrap_err().remove(0);
    assert!(first(b"not json").starts_with("body must be {\"month\""));
    assert!(first(b"").starts_with("body must be"));
    assert!(first(b"[1]").ends_with("got [1]"));
    assert_eq!(
        first(br#"{"systems": [], "month": "2026-01", "x": 1}"#),
        "body: unknown field \"x\" (expected month, systems)"
    );
    assert_eq!(
        first(br#"{"systems": [{"system": "ho-tich"}]}"#),
        "month: missing"
    );
    assert_eq!(
        parse(br#"{"month": "2026-01", "systems": {"a": 1}}"#, &a, NOW).unwrap_err(),
        ["systems: expected a list of systems, got {\"a\":1}"]
    );
    assert_eq!(
        parse(br#"{"month": "2026-01", "systems": [3]}"#, &a, NOW).unwrap_err()[0],
        "systems[0]: expected an object with system, received, resolved_on_time, resolved_late, submitted_online, paid_online, satisfaction, got 3"
    );
    let long = format!(r#"{{"month": "{}", "systems": []}}"#, "9".repeat(10_000));
    assert!(
        first(long.as_bytes()).len() < 200,
        "a long value is quoted in part"
    );
    let missing = parse(br#"{"month": "2026-01", "systems": [{}]}"#, &a, NOW).unwrap_err();
    assert_eq!(missing.len(), 7, "{missing:?}");
    assert!(
        missing.iter().all(|e| e.ends_with(": missing")),
        "{missing:?}"
    );
}
