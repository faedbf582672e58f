//! Config fixtures of `tests/fixtures/config/<rule>/`, loaded with a fixed environment,
//! and the assertion that a fixture fails with exactly the expected error lines.

use std::path::{Path, PathBuf};

use emcd::config::{self, Config, ConfigErrors};

pub fn fixture(rule: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/config")
        .join(rule)
}

/// The only variables set for these tests; every other one is unset.
pub fn env(name: &str) -> Option<String> {
    match name {
        "EMCD_TEST_HOST" => Some("hotich.example.gov.vn".into()),
        "EMCD_TEST_ADMIN_TOKEN" => Some("adm1n-s3cret".into()),
        "EMCD_TEST_WEBHOOK_SECRET" => Some("hook-s3cret".into()),
        "EMCD_TEST_BEARER" => Some("bearer-s3cret".into()),
        _ => None,
    }
}

pub fn load(rule: &str) -> Result<Config, ConfigErrors> {
    config::load_with_env(&fixture(rule).join("emcd.yaml"), &env)
}

/// `FILE` as `load` names it: the fixture directory joined with `rel`.
pub fn file(rule: &str, rel: &str) -> String {
    fixture(rule).join(rel).display().to_string()
}

/// Asserts the fixture fails with exactly `expected`, each written `REL_FILE:rest` with
/// REL_FILE relative to the fixture directory.
pub fn assert_errors(rule: &str, expected: &[&str]) {
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
