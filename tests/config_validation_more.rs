//! One fixture per validation rule, continued from `config_validation.rs`: each asserted
//! against the exact error lines `emcd check` prints, `FILE:LINE:COL: PATH: MESSAGE`.

mod support;

use emcd::config;
use support::config::{assert_errors, env, file, fixture, load};

#[test]
fn include_globs_match_a_file() {
    let dir = fixture("include-no-match").display().to_string();
    let line = format!("emcd.yaml:3:5: include[1]: no file matches \"extra/*.yml\" (in {dir})");
    assert_errors("include-no-match", &[&line]);
}

#[test]
fn push_token_is_a_sha256_digest() {
    assert_errors(
        "push-token",
        &[
            "agencies/bo-tu-phap.yaml:9:18: systems[0].checks[0].push.token: invalid token digest: expected sha256: followed by 64 hex digits (see `emcd token`), found 6 characters after sha256:",
            "agencies/bo-tu-phap.yaml:12:18: systems[0].checks[1].push.token: invalid token digest: expected sha256: followed by 64 hex digits (see `emcd token`)",
        ],
    );
}

#[test]
fn indicators_token_is_a_sha256_digest() {
    assert_errors(
        "indicators-token",
        &["agencies/bo-tu-phap.yaml:6:21: agency.indicators_token: invalid token digest: expected sha256: followed by 64 hex digits (see `emcd token`)"],
    );
}

#[test]
fn unknown_keys_are_errors() {
    assert_errors(
        "unknown-key",
        &["agencies/bo-tu-phap.yaml:10:11: systems[0].checks[0].http.methd: unknown key `methd`, expected one of: url, method, headers, body, follow_redirects, tls"],
    );
    assert_errors(
        "unknown-key-main",
        &["emcd.yaml:3:3: server.listen_addr: unknown key `listen_addr`, expected one of: listen, admin_token, public_url, max_connections, header_timeout, idle_timeout, tls, language"],
    );
}

#[test]
fn server_language_is_vi_or_en() {
    assert_errors(
        "bad-language",
        &["emcd.yaml:3:13: server.language: unknown language \"fr\": expected vi (Vietnamese) or en (English)"],
    );
}

#[test]
fn missing_keys_are_errors() {
    assert_errors(
        "missing-key",
        // At the mapping that lacks the key.
        &["agencies/bo-tu-phap.yaml:2:3: agency: missing key `kind`"],
    );
}

/// A missing key no longer hides the other errors of its file (nor does one of a
/// probe's required keys).
#[test]
fn a_missing_key_does_not_hide_the_file_s_other_errors() {
    assert_errors(
        "missing-key-and-more",
        &[
            "agencies/bo-tu-phap.yaml:3:5: systems[0]: missing key `kind`",
            "agencies/bo-tu-phap.yaml:8:18: systems[0].checks[0].timeout: timeout 10s must be shorter than interval 5s",
            "agencies/bo-tu-phap.yaml:11:21: systems[0].checks[1].http.url: relative URL \"/relative\": use an absolute http:// or https:// URL",
            "agencies/bo-tu-phap.yaml:13:15: systems[0].checks[2].push: missing key `token`",
        ],
    );
}

#[test]
fn check_has_exactly_one_kind() {
    assert_errors(
        "check-kind-none",
        &["agencies/bo-tu-phap.yaml:7:9: systems[0].checks[0]: a check needs exactly one of `http`, `tcp`, `push`, `browser`, found none"],
    );
    assert_errors(
        "check-kind-two",
        &[
            "agencies/bo-tu-phap.yaml:7:9: systems[0].checks[0]: a check needs exactly one of `http`, `tcp`, `push`, `browser`, found http and tcp",
            "agencies/bo-tu-phap.yaml:12:17: systems[0].checks[1].expect: `expect` applies to http and browser checks only",
        ],
    );
}

#[test]
fn unset_env_var_is_named_at_its_position() {
    assert_errors(
        "env-unset",
        &[
            "emcd.yaml:2:16: server.admin_token: environment variable EMCD_TEST_UNSET_TOKEN is not set",
            "agencies/bo-tu-phap.yaml:10:44: systems[0].checks[0].http.headers.Authorization: environment variable EMCD_TEST_UNSET_TOKEN is not set",
        ],
    );
}

#[test]
fn double_dollar_escapes() {
    let cfg = load("escape-literal").unwrap();
    let (_, _, check) = cfg.checks().next().unwrap();
    let config::CheckKind::Http(http) = &check.kind else {
        panic!("http check")
    };
    assert_eq!(
        http.expect.body_contains.as_deref(),
        Some("${not-a-variable}")
    );
}

#[test]
fn timezone_known() {
    assert_errors(
        "timezone-unknown",
        &["emcd.yaml:2:13: sla.timezone: unknown timezone \"Mars/Olympus\": expected an IANA time zone name such as Asia/Ho_Chi_Minh"],
    );
}

#[test]
fn status_codes_and_ranges() {
    assert_errors(
        "status-bad",
        &[
            "agencies/bo-tu-phap.yaml:10:29: systems[0].checks[0].expect.status[1]: invalid status \"2xx\": expected a code (e.g. 200) or a range (e.g. 200-299)",
            "agencies/bo-tu-phap.yaml:10:34: systems[0].checks[0].expect.status[2]: status code 600 is out of range: expected 100 to 599",
            "agencies/bo-tu-phap.yaml:10:39: systems[0].checks[0].expect.status[3]: invalid status range \"299-200\": 299 is greater than 200",
        ],
    );
}

#[test]
fn json_paths_parse() {
    assert_errors(
        "jsonpath-bad",
        &[
            "agencies/bo-tu-phap.yaml:12:22: systems[0].checks[0].expect.json[1].path: invalid JSONPath \"data.items[0]\": must start with $ (expected e.g. $.data.items[0].status)",
            "agencies/bo-tu-phap.yaml:13:22: systems[0].checks[0].expect.json[2].path: invalid JSONPath \"$.items[first]\": an index in [] must be a whole number (expected e.g. $.data.items[0].status)",
        ],
    );
}

#[test]
fn header_names_and_values() {
    assert_errors(
        "header-name-bad",
        &["agencies/bo-tu-phap.yaml:11:13: systems[0].checks[0].http.headers.X Request Id: invalid header name \"X Request Id\": expected letters, digits and !#$%&'*+-.^_`|~ only"],
    );
    assert_errors(
        "header-value-bad",
        &["agencies/bo-tu-phap.yaml:11:28: systems[0].checks[0].http.headers.Authorization: invalid header value: control characters and line breaks are not allowed"],
    );
}

#[test]
fn http_method_and_booleans() {
    assert_errors(
        "http-method-bad",
        &[
            "agencies/bo-tu-phap.yaml:10:19: systems[0].checks[0].http.method: invalid HTTP method \"get\": expected one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS",
            "agencies/bo-tu-phap.yaml:11:29: systems[0].checks[0].http.follow_redirects: invalid boolean \"yes\": expected true or false",
        ],
    );
}

#[test]
fn tcp_host_port_and_tls() {
    assert_errors(
        "tcp-bad",
        &[
            "agencies/bo-tu-phap.yaml:8:21: systems[0].checks[0].tcp.host: invalid host \"https://api.hotich.example.gov.vn\": expected a host name or IP address, without scheme or port",
            "agencies/bo-tu-phap.yaml:8:64: systems[0].checks[0].tcp.port: 70000 is too large: expected at most 65535",
            "agencies/bo-tu-phap.yaml:10:81: systems[0].checks[1].tcp.insecure_skip_verify: insecure_skip_verify needs `tls: true`",
        ],
    );
}

#[test]
fn agency_and_system_kinds() {
    assert_errors(
        "kind-bad",
        &[
            "agencies/bo-tu-phap.yaml:1:61: agency.kind: unknown agency kind \"bo\": expected ministry, ministerial_agency, government_agency, province or city",
            "agencies/bo-tu-phap.yaml:5:11: systems[0].kind: unknown system kind \"dvc\": expected tthc, portal or other",
            "agencies/bo-tu-phap.yaml:6:15: systems[0].required: invalid boolean \"maybe\": expected true or false",
        ],
    );
}

#[test]
fn listen_address() {
    assert_errors(
        "listen-bad",
        &["emcd.yaml:2:11: server.listen: invalid listen address \"localhost:9464\": expected IP:PORT, e.g. 127.0.0.1:9464 or [::]:9464"],
    );
}

#[test]
fn max_in_flight_at_least_one() {
    assert_errors(
        "max-in-flight",
        &["emcd.yaml:2:18: probing.max_in_flight: 0 is too small: expected at least 1"],
    );
}

#[test]
fn max_connections_at_least_one() {
    assert_errors(
        "max-connections",
        &["emcd.yaml:2:20: server.max_connections: 0 is too small: expected at least 1"],
    );
}

#[test]
fn yaml_syntax_error_does_not_hide_other_files() {
    assert_errors(
        "yaml-syntax",
        &[
            "agencies/a-bo-tu-phap.yaml:4:11: systems[0].name: unclosed quote: the value needs its closing quote",
            "agencies/b-bo-cong-an.yaml:8:21: systems[0].checks[0].http.url: relative URL \"/cu-tru\": use an absolute http:// or https:// URL",
        ],
    );
    assert_errors(
        "yaml-syntax-main",
        &["emcd.yaml:3:2: bad indentation: expected `key: value` aligned with the keys above"],
    );
}

#[test]
fn unreadable_main_file() {
    let missing = fixture("does-not-exist").join("emcd.yaml");
    let err = config::load_with_env(&missing, &env).unwrap_err();
    assert_eq!(err.0.len(), 1);
    assert!(err
        .to_string()
        .starts_with(&format!("{}: cannot read file: ", missing.display())));
}

#[test]
fn secrets_never_in_debug_or_errors() {
    let cfg = load("secrets").unwrap();
    let debug = format!("{cfg:?}");
    for secret in ["adm1n-s3cret", "hook-s3cret", "bearer-s3cret"] {
        assert!(!debug.contains(secret), "{secret} in Debug output");
    }
    assert_eq!(cfg.server.admin_token.as_ref().unwrap().0, "adm1n-s3cret");

    // A secret that makes a value invalid is not echoed either.
    let bad_env = |name: &str| match name {
        "EMCD_TEST_BEARER" => Some("bearer-s3cret\nX-Injected: 1".to_owned()),
        other => env(other),
    };
    let err = config::load_with_env(&fixture("secrets").join("emcd.yaml"), &bad_env).unwrap_err();
    let text = err.to_string();
    assert!(!text.contains("bearer-s3cret"), "{text}");
    assert_eq!(
        text,
        format!(
            "{}:11:28: systems[0].checks[0].http.headers.Authorization: invalid header value: control characters and line breaks are not allowed",
            file("secrets", "agencies/bo-tu-phap.yaml")
        )
    );
}

#[test]
fn canaries_source_address_and_vantage() {
    assert_errors(
        "canaries",
        &[
            "emcd.yaml:2:19: probing.source_address: invalid IP address \"10.0.0\": expected e.g. 10.0.0.5 or 2001:db8::5",
            "emcd.yaml:5:12: probing.canaries[1].id: duplicate canary id \"gw\"",
            "emcd.yaml:6:7: probing.canaries[2]: a canary needs exactly one of `http`, `tcp`",
            "emcd.yaml:7:20: cluster.vantage: invalid id \"HN VNPT\": expected 1 to 63 characters among a-z, 0-9 and -",
        ],
    );
}

#[test]
fn runbook_urls_name_alerts_and_are_urls() {
    assert_errors(
        "runbook",
        &[
            "emcd.yaml:3:5: alerting.runbook_url.CheckDwn: unknown alertname \"CheckDwn\": expected one of CheckDown, CheckDegraded, CertificateExpiring, SLOBudgetBurn, SystemNotConnected, VantageImpaired",
            "emcd.yaml:4:16: alerting.runbook_url.CheckDown: relative URL \"wiki/{check}\": use an absolute http:// or https:// URL",
        ],
    );
}

/// An unknown key (with what is nested under it) is reported and left out: the file's
/// other errors are found in the same run.
#[test]
fn an_unknown_key_does_not_hide_the_file_s_other_errors() {
    assert_errors(
        "unknown-key-and-more",
        &[
            "agencies/bo-tu-phap.yaml:6:5: systems[0].owner: unknown key `owner`, expected one of: id, name, kind, required, checks",
            "agencies/bo-tu-phap.yaml:12:9: systems[0].checks[0].timout: unknown key `timout`, expected one of: id, interval, timeout, failure_threshold, success_threshold, degraded_after, slo, cert_min_days, vantages, quorum, http, tcp, push, browser, expect",
            "agencies/bo-tu-phap.yaml:13:18: systems[0].checks[0].timeout: timeout 10s must be shorter than interval 5s",
            "agencies/bo-tu-phap.yaml:16:21: systems[0].checks[1].http.url: relative URL \"/relative\": use an absolute http:// or https:// URL",
        ],
    );
}

/// A value of the wrong type is reported and its key left out (not reported missing as
/// well): the file's other errors are found in the same run.
#[test]
fn a_wrong_type_does_not_hide_the_file_s_other_errors() {
    assert_errors(
        "wrong-type-and-more",
        &[
            "agencies/bo-tu-phap.yaml:4:11: systems[0].name: expected a single value, not a list or mapping",
            "agencies/bo-tu-phap.yaml:9:18: systems[0].checks[0].timeout: timeout 10s must be shorter than interval 5s",
        ],
    );
}

#[test]
fn scoring_weights_add_up_to_100_and_grades_go_down() {
    assert_errors(
        "scoring-weights",
        &["emcd.yaml:2:12: scoring.weights: the weights add up to 130 (connection 50 + availability 30 + response_time 30 + indicators 20): they must add up to 100"],
    );
    assert_errors(
        "scoring-grades",
        &[
            "emcd.yaml:3:5: scoring.grades: B 80 is not above C 80: each grade's lowest total must be above the next one's",
            "emcd.yaml:6:8: scoring.grades.D: 101 is too large: expected at most 100",
        ],
    );
}

#[test]
fn lifecycle_dates_are_days_and_valid_to_comes_after_valid_from() {
    assert_errors(
        "lifecycle-dates",
        &[
            "agencies/ha-giang.yaml:6:15: agency.valid_from: invalid date \"2025-7-1\": expected YYYY-MM-DD (a day in sla.timezone)",
            "agencies/ha-giang.yaml:7:13: agency.valid_to: invalid date \"2025-06-31\": expected YYYY-MM-DD (a day in sla.timezone)",
            "agencies/lao-cai.yaml:6:14: agency.successor: an agency cannot be its own successor (\"lao-cai\")",
            "agencies/yen-bai.yaml:7:13: agency.valid_to: valid_to 2025-07-01 must be after valid_from 2025-07-01",
        ],
    );
}

#[test]
fn a_successor_is_a_known_agency_and_successors_never_go_round() {
    assert_errors(
        "lifecycle-successor",
        &[
            "agencies/bac-giang.yaml:7:14: agency.successor: unknown successor \"bac-nin\": no agency file has this id",
            "agencies/bac-kan.yaml:1:99: agency.successor: successors go round in a circle: bac-kan -> bac-ninh -> bac-kan",
            "agencies/bac-ninh.yaml:1:101: agency.successor: successors go round in a circle: bac-ninh -> bac-kan -> bac-ninh",
        ],
    );
}
