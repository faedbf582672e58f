//! One fixture per validation rule (`tests/fixtures/config/<rule>/emcd.yaml` and its
//! agency files), each asserted against the exact error lines `emcd check` prints:
//! `FILE:LINE:COL: PATH: MESSAGE`. FILE is built from the fixture directory, as `load`
//! reports it (the main path as given, included files as `main_dir.join(match)`).
//! (More rules in `config_validation_more.rs`.)

mod support;

use std::path::PathBuf;

use support::config::{assert_errors, file, load};

#[test]
fn only_include_is_valid() {
    let cfg = load("ok-only-include").unwrap();
    assert_eq!(cfg.agencies.len(), 1);
    assert_eq!(
        cfg.agencies[0].file,
        PathBuf::from(file("ok-only-include", "agencies/bo-tu-phap.yaml"))
    );
    let cfg = load("ok-empty-include").unwrap();
    assert!(cfg.agencies.is_empty());
}

#[test]
fn ids_well_formed() {
    assert_errors(
        "id-malformed",
        &[
            "agencies/bo-tu-phap.yaml:2:7: agency.id: invalid id \"Bo_Tu_Phap\": expected 1 to 63 characters among a-z, 0-9 and -",
            "agencies/bo-tu-phap.yaml:11:13: systems[0].checks[0].id: invalid id \"portal/1\": expected 1 to 63 characters among a-z, 0-9 and -",
        ],
    );
}

#[test]
fn agency_ids_unique_across_files() {
    let first = file("id-duplicate-agency", "agencies/a.yaml");
    let line = format!(
        "agencies/b.yaml:2:7: agency.id: duplicate agency id \"bo-tu-phap\", first defined in {first}:1:14"
    );
    assert_errors("id-duplicate-agency", &[&line]);
}

/// Every file's errors and the duplicate: neither the first file's own error nor the
/// second's hides it.
#[test]
fn a_duplicate_agency_id_is_reported_beside_the_files_other_errors() {
    let first = file("id-duplicate-agency-and-more", "agencies/a.yaml");
    let duplicate = format!(
        "agencies/b.yaml:2:7: agency.id: duplicate agency id \"bo-tu-phap\", first defined in {first}:1:14"
    );
    assert_errors(
        "id-duplicate-agency-and-more",
        &[
            "agencies/a.yaml:1:71: agency.league: unknown key `league`, expected one of: id, code, name, kind, valid_from, valid_to, successor, indicators_token",
            &duplicate,
            "agencies/b.yaml:12:21: systems[0].checks[0].http.url: relative URL \"/relative\": use an absolute http:// or https:// URL",
        ],
    );
}

#[test]
fn system_ids_unique_within_agency() {
    assert_errors(
        "id-duplicate-system",
        &["agencies/bo-tu-phap.yaml:4:10: systems[1].id: duplicate system id \"ho-tich\""],
    );
}

#[test]
fn check_ids_unique_within_system() {
    assert_errors(
        "id-duplicate-check",
        &["agencies/bo-tu-phap.yaml:9:13: systems[0].checks[1].id: duplicate check id \"portal\""],
    );
}

#[test]
fn receiver_names_unique() {
    assert_errors(
        "receiver-duplicate",
        &["emcd.yaml:5:13: alerting.receivers[1].name: duplicate receiver name \"ops\""],
    );
}

#[test]
fn receiver_has_exactly_one_kind() {
    assert_errors(
        "receiver-kind",
        &[
            "emcd.yaml:3:7: alerting.receivers[0]: a receiver needs exactly one of `webhook`, `alertmanager`, found neither",
            "emcd.yaml:4:7: alerting.receivers[1]: a receiver needs exactly one of `webhook`, `alertmanager`, found both",
        ],
    );
}

#[test]
fn timeout_shorter_than_interval() {
    assert_errors(
        "timeout-not-below-interval",
        &[
            "emcd.yaml:3:12: defaults.timeout: timeout 30s must be shorter than interval 30s",
            "agencies/bo-tu-phap.yaml:9:18: systems[0].checks[0].timeout: timeout 10s must be shorter than interval 5s",
        ],
    );
}

#[test]
fn interval_at_least_one_second() {
    assert_errors(
        "interval-too-short",
        &["agencies/bo-tu-phap.yaml:8:19: systems[0].checks[0].interval: interval 500ms is too short: expected at least 1s"],
    );
}

#[test]
fn thresholds_at_least_one() {
    assert_errors(
        "threshold-zero",
        &[
            "emcd.yaml:2:22: defaults.failure_threshold: 0 is too small: expected at least 1",
            "agencies/bo-tu-phap.yaml:8:28: systems[0].checks[0].success_threshold: 0 is too small: expected at least 1",
        ],
    );
}

#[test]
fn slo_availability_in_range() {
    assert_errors(
        "slo-range",
        &[
            "emcd.yaml:2:23: defaults.slo.availability: availability 0 is out of range: expected a percentage above 0 and at most 100",
            "agencies/bo-tu-phap.yaml:9:25: systems[0].checks[0].slo.availability: availability 100.5 is out of range: expected a percentage above 0 and at most 100",
        ],
    );
}

#[test]
fn durations_parse() {
    assert_errors(
        "duration-bad",
        &[
            "emcd.yaml:2:13: defaults.interval: invalid duration \"fast\": expected number at 0; write e.g. 500ms, 30s, 5m, 2h, 14d",
            "emcd.yaml:4:20: storage.retention.raw: invalid duration \"14\": time unit needed, for example 14sec or 14ms; write e.g. 500ms, 30s, 5m, 2h, 14d",
        ],
    );
}

#[test]
fn url_must_be_absolute() {
    assert_errors(
        "url-relative",
        &["agencies/bo-tu-phap.yaml:9:16: systems[0].checks[0].http.url: relative URL \"hotich.example.gov.vn/\": use an absolute http:// or https:// URL"],
    );
}

#[test]
fn url_must_be_http() {
    assert_errors(
        "url-scheme",
        &["agencies/bo-tu-phap.yaml:9:16: systems[0].checks[0].http.url: unsupported URL scheme \"ftp\" in \"ftp://files.hotich.example.gov.vn/\": use an absolute http:// or https:// URL"],
    );
}

#[test]
fn body_regex_compiles() {
    assert_errors(
        "regex-body",
        &["agencies/bo-tu-phap.yaml:10:23: systems[0].checks[0].expect.body_regex: invalid regex \"Đăng ký (hộ tịch\": unclosed group"],
    );
}

#[test]
fn header_regex_compiles() {
    assert_errors(
        "regex-header",
        &["agencies/bo-tu-phap.yaml:11:27: systems[0].checks[0].expect.headers.content-type: invalid regex \"^text/(html\": unclosed group"],
    );
}

#[test]
fn routes_name_existing_receivers() {
    assert_errors(
        "route-unknown-receiver",
        &[
            // A receiver with an error still has a name routes can use.
            "emcd.yaml:6:22: alerting.receivers[1].webhook.url: relative URL \"hooks.example.gov.vn/emc\": use an absolute http:// or https:// URL",
            "emcd.yaml:9:18: alerting.routes[1].receiver: unknown receiver \"pager\": expected one of ops, broken",
            "emcd.yaml:10:45: alerting.routes[2].match.severity[0]: unknown severity \"info\": expected critical or warning",
        ],
    );
}

#[test]
fn maintenance_cron_parses() {
    assert_errors(
        "maintenance-cron",
        &[
            "emcd.yaml:3:15: maintenance[0].schedule: invalid cron schedule \"0 2 * * Sun\": expected 6 or 7 fields (sec min hour day-of-month month day-of-week [year]), found 5",
            "emcd.yaml:6:15: maintenance[1].schedule: invalid cron schedule \"0 61 2 1 * *\": Minutes must be less than 59. ('61' specified.)",
        ],
    );
}

#[test]
fn maintenance_match_ids_well_formed() {
    assert_errors(
        "maintenance-match-id",
        &["emcd.yaml:5:34: maintenance[0].match.agency[1]: invalid id \"Bộ Công an\": expected 1 to 63 characters among a-z, 0-9 and -"],
    );
}
