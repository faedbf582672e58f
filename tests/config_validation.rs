//! One fixture per validation rule (`tests/fixtures/config/<rule>/emcd.yaml` and its
//! agency files), each asserted against the exact error lines `emcd check` prints:
//! `FILE:LINE:COL: PATH: MESSAGE`. FILE is built from the fixture directory, as `load`
//! reports it (the main path as given, included files as `main_dir.join(match)`).

use std::path::{Path, PathBuf};

use emcd::config::{self, Config, ConfigErrors};

fn fixture(rule: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(rule)
}

/// The only variables set for these tests; every other one is unset.
fn env(name: &str) -> Option<String> {
    match name {
        "EMCD_TEST_HOST" => Some("hotich.example.gov.vn".into()),
        "EMCD_TEST_ADMIN_TOKEN" => Some("adm1n-s3cret".into()),
        "EMCD_TEST_WEBHOOK_SECRET" => Some("hook-s3cret".into()),
        "EMCD_TEST_BEARER" => Some("bearer-s3cret".into()),
        _ => None,
    }
}

fn load(rule: &str) -> Result<Config, ConfigErrors> {
    config::load_with_env(&fixture(rule).join("emcd.yaml"), &env)
}

/// `FILE` as `load` names it: the fixture directory joined with `rel`.
fn file(rule: &str, rel: &str) -> String {
    fixture(rule).join(rel).display().to_string()
}

/// Asserts the fixture fails with exactly `expected`, each written `REL_FILE:rest` with
/// REL_FILE relative to the fixture directory.
fn assert_errors(rule: &str, expected: &[&str]) {
    let errors = match load(rule) {
        Ok(_) => panic!("{rule}: expected errors, the config loaded"),
        Err(e) => e,
    };
    let expected: Vec<String> = expected
        .iter()
        .map(|line| {
            let (rel, rest) = line.split_once(':').expect("FILE:...");
            format!("{}:{rest}", file(rule, rel))
        })
        .collect();
    assert_eq!(errors.to_string(), expected.join("\n"), "fixture {rule}");
}

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
        &["agencies/bo-tu-phap.yaml:9:16: systems[0].checks[0].http.url: relative URL without a base"],
    );
}

#[test]
fn url_must_be_http() {
    assert_errors(
        "url-scheme",
        &["agencies/bo-tu-phap.yaml:9:16: systems[0].checks[0].http.url: unsupported URL scheme \"ftp\": expected http or https"],
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
            "emcd.yaml:6:22: alerting.receivers[1].webhook.url: relative URL without a base",
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
fn unknown_keys_are_errors() {
    assert_errors(
        "unknown-key",
        &["agencies/bo-tu-phap.yaml:10:11: systems[0].checks[0].http.methd: unknown key `methd`, expected one of: url, method, headers, body, follow_redirects, tls"],
    );
    assert_errors(
        "unknown-key-main",
        &["emcd.yaml:3:3: server.listen_addr: unknown key `listen_addr`, expected one of: listen, admin_token, public_url, max_connections, header_timeout, idle_timeout"],
    );
}

#[test]
fn missing_keys_are_errors() {
    assert_errors(
        "missing-key",
        &["agencies/bo-tu-phap.yaml:4:3: agency: missing key `kind`"],
    );
}

#[test]
fn check_has_exactly_one_kind() {
    assert_errors(
        "check-kind-none",
        &["agencies/bo-tu-phap.yaml:7:9: systems[0].checks[0]: a check needs exactly one of `http`, `tcp`, `push`, found none"],
    );
    assert_errors(
        "check-kind-two",
        &[
            "agencies/bo-tu-phap.yaml:7:9: systems[0].checks[0]: a check needs exactly one of `http`, `tcp`, `push`, found http and tcp",
            "agencies/bo-tu-phap.yaml:12:17: systems[0].checks[1].expect: `expect` applies to http checks only",
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
            "agencies/a-bo-tu-phap.yaml:4:11: systems[0].name: unclosed quote",
            "agencies/b-bo-cong-an.yaml:8:21: systems[0].checks[0].http.url: relative URL without a base",
        ],
    );
    assert_errors(
        "yaml-syntax-main",
        &["emcd.yaml:3:2: while parsing a block mapping, did not find expected key"],
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
