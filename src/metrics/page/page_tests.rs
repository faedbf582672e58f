//! What each page carries: `metrics.per_check: lean` (docs/metrics.md, "Profiles"), six
//! series a check, the families the shipped rules and dashboards read, and no more; a
//! follower's page; the info families.

use super::tests::fleet_with;
use crate::check::state::CheckStatus;
use crate::fleet::{FleetHandle, LastResult};
use crate::metrics::{Format, Metrics};
use crate::result::ResultKind;
use crate::role::Role;

/// Gives every check a result, counts and a state, as a running daemon would have.
fn with_results(main: &str) -> Metrics {
    let fleet = fleet_with(main);
    for (i, c) in fleet.checks.iter().enumerate() {
        let mut live = c.live.lock().unwrap();
        live.counts = [10 + i as u64, 2, 3, 4, 5];
        live.state.status = [CheckStatus::Up, CheckStatus::Degraded, CheckStatus::Down][i % 3];
        live.in_maintenance = i == 1;
        live.recent
            .push(crate::util::unix_now() - 60, ResultKind::Up, 60);
        live.last = Some(LastResult {
            page: None,
            at: 1_700_000_000,
            result: ResultKind::Up,
            error: None,
            status_code: Some(200),
            duration: 0.25,
            phases: Default::default(),
            cert_expiry: Some(1_800_000_000),
            message: None,
        });
    }
    Metrics::new(FleetHandle::new(fleet))
}

/// The sample lines of one check (its three labels, in order), by family.
fn lines_of<'a>(page: &'a str, check: &str) -> Vec<&'a str> {
    let labels = format!("agency=\"a-one\",system=\"s\",check=\"{check}\"");
    page.lines()
        .filter(|l| !l.starts_with('#') && l.contains(&labels))
        .collect()
}

#[test]
fn lean_writes_six_series_a_check_and_the_counts_the_rules_divide() {
    let metrics = with_results("metrics: {per_check: lean}\n");
    let page = metrics.encode(Format::Text, &Role::single("n", "local"));
    for check in ["web", "port", "never"] {
        let lines = lines_of(&page, check);
        let families: Vec<&str> = lines.iter().map(|l| &l[..l.find('{').unwrap()]).collect();
        assert_eq!(
            families,
            [
                "emcd_check_up",
                "emcd_check_degraded",
                "emcd_check_availability_ratio",
                "emcd_check_slo_objective",
                "emcd_probes_total",
                "emcd_probes_counted_total",
            ],
            "{check}: {lines:#?}"
        );
    }
    let web = lines_of(&page, "web").join("\n");
    // 30-day availability only; `down` only; up + degraded + down counted.
    assert!(web.contains(",window=\"30d\"} 1"), "{web}");
    assert!(
        web.contains(
            "emcd_probes_total{agency=\"a-one\",system=\"s\",check=\"web\",result=\"down\"} 3"
        ),
        "{web}"
    );
    assert!(
        web.contains("emcd_probes_counted_total{agency=\"a-one\",system=\"s\",check=\"web\"} 15"),
        "{web}"
    );
    for gone in ["\nprobe_", "emcd_check_in_maintenance", "result=\"up\""] {
        assert!(!page.contains(gone), "{gone} under lean:\n{page}");
    }
    // The per-agency families stay, maintenance counted per agency in both profiles.
    for line in [
        "emcd_agency_checks_in_maintenance{agency=\"a-one\"} 1\n",
        "emcd_agency_checks_in_maintenance{agency=\"b-two\"} 0\n",
        "emcd_agency_availability_ratio{agency=\"a-one\",window=\"1h\"} 1",
        "emcd_alerts_firing{alertname=\"CheckDown\",severity=\"critical\",agency=\"a-one\"} 0\n",
    ] {
        assert!(page.contains(line), "{line} not in\n{page}");
    }
    // OpenMetrics names the counter family without `_total`.
    let om = metrics.encode(Format::OpenMetrics, &Role::single("n", "local"));
    assert!(om.contains("# TYPE emcd_probes_counted counter\n"), "{om}");
    assert!(
        om.contains("\nemcd_probes_counted_total{agency=\"a-one\""),
        "{om}"
    );
}

#[test]
fn lean_halves_the_bytes_a_check_costs() {
    let per_check = |main: &str| {
        let page = with_results(main).encode(Format::Text, &Role::single("n", "local"));
        ["web", "port", "never"]
            .iter()
            .map(|c| {
                lines_of(&page, c)
                    .iter()
                    .map(|l| l.len() + 1)
                    .sum::<usize>()
            })
            .sum::<usize>()
    };
    let (full, lean) = (per_check(""), per_check("metrics: {per_check: lean}\n"));
    assert!(lean * 2 <= full, "lean {lean} bytes, full {full}");
}

#[test]
fn a_lean_follower_writes_no_per_check_line() {
    let metrics = with_results("metrics: {per_check: lean}\n");
    let role = Role::new("node-b", "local");
    role.set_live(vec!["node-a".into(), "node-b".into()]);
    let page = metrics.encode(Format::Text, &role);
    assert!(lines_of(&page, "web").is_empty(), "{page}");
    assert!(page.contains("emcd_probe_duration_seconds_count{"));
}

#[test]
fn an_unknown_profile_is_an_error_quoting_it() {
    let dir = tempfile::tempdir().unwrap();
    let main = dir.path().join("emcd.yaml");
    std::fs::write(&main, "metrics:\n  per_check: slim\n").unwrap();
    let err = crate::config::load(&main).unwrap_err().to_string();
    assert!(
        err.contains("metrics.per_check") && err.contains("\"slim\"") && err.contains("lean"),
        "{err}"
    );
}

/// A follower of a cluster (docs/cluster.md, "Metrics"): the probe families of the
/// checks it probes, its own durations, and none of the families the leader exports.
#[test]
fn a_follower_exports_only_its_own_probes() {
    let fleet = fleet_with("");
    for c in &fleet.checks {
        c.live.lock().unwrap().last = Some(LastResult {
            page: None,
            at: 1_700_000_000,
            result: ResultKind::Up,
            error: None,
            status_code: Some(200),
            duration: 0.1,
            phases: Default::default(),
            cert_expiry: None,
            message: None,
        });
    }
    let ids: Vec<String> = fleet.checks.iter().map(|c| c.id.0.to_string()).collect();
    let role = Role::new("node-b", "local");
    role.set_live(vec!["node-a".into(), "node-b".into()]);
    let mine: Vec<&String> = ids.iter().filter(|c| role.mine(c)).collect();
    let metrics = Metrics::new(FleetHandle::new(fleet));
    let page = metrics.encode(Format::Text, &role);
    assert_eq!(page.matches("probe_success{").count(), mine.len(), "{page}");
    // The other node exports the rest: every check's probes on exactly one page.
    let other = Role::new("node-a", "local");
    other.set_live(vec!["node-a".into(), "node-b".into()]);
    let theirs = metrics
        .encode(Format::Text, &other)
        .matches("probe_success{")
        .count();
    assert_eq!(mine.len() + theirs, ids.len());
    for family in [
        "emcd_check_up{",
        "emcd_check_slo_objective{",
        "emcd_system_connected{",
        "emcd_system_info{",
        "emcd_alerts_firing{",
        "emcd_agency_",
    ] {
        assert!(!page.contains(family), "{family} on a follower:\n{page}");
    }
    assert!(page.contains("emcd_probe_duration_seconds_count{"));
}

/// The info families name each agency and system for dashboards, on the leader.
#[test]
fn info_series_carry_names_kinds_and_leagues() {
    let metrics = Metrics::new(FleetHandle::new(fleet_with("")));
    let page = metrics.encode(Format::Text, &Role::single("n", "local"));
    for line in [
        "emcd_agency_info{agency=\"a-one\",name=\"Name \\\"quoted\\\"\",code=\"X\",kind=\"province\",league=\"provinces\"} 1\n",
        "emcd_system_info{agency=\"b-two\",system=\"s\",name=\"S\",kind=\"tthc\",required=\"true\"} 1\n",
    ] {
        assert!(page.contains(line), "{line} not in\n{page}");
    }
    assert_eq!(page.matches("emcd_agency_info{").count(), 2);
    assert_eq!(
        crate::config::AgencyKind::GovernmentAgency.league(),
        "ministries"
    );
}
