//! Config of browser checks (SPEC 14), one fixture per rule under
//! `tests/fixtures/config/browser-*`, asserted against the exact error lines. The
//! fixtures' Chromium is `fake-chromium`, a file beside them: validation only checks that
//! the executable is a file; the fixtures' environment has no `PATH`, so none is found
//! there.

mod support;

use std::time::Duration;

use emcd::config::{CheckKind, PageExpect, Viewport};
use support::config::{assert_errors, file, load};

#[test]
fn a_browser_check_with_defaults_and_overrides() {
    let cfg = load("browser-ok").unwrap();
    let browser = &cfg.probing.browser;
    assert_eq!(browser.max_concurrent, 3);
    assert_eq!(
        browser.executable.as_deref().unwrap().to_str().unwrap(),
        file("browser-ok", "fake-chromium")
    );
    let checks: Vec<_> = cfg.checks().map(|(_, _, c)| c).collect();
    let spec = |i: usize| match &checks[i].kind {
        CheckKind::Browser(b) => b.clone(),
        other => panic!("browser check, got {other:?}"),
    };
    // Defaults: 15m, 30s, a desktop viewport, the 2025 criteria.
    assert_eq!(checks[0].policy.interval, Duration::from_secs(900));
    assert_eq!(checks[0].policy.timeout, Duration::from_secs(30));
    assert_eq!(spec(0).viewport, Viewport::DESKTOP);
    assert_eq!(spec(0).expect, PageExpect::CRITERIA);
    assert_eq!(spec(0).url.as_str(), "https://hanoi.gov.vn/");
    // Its own interval, timeout, a phone and thresholds.
    assert_eq!(checks[1].policy.interval, Duration::from_secs(300));
    assert_eq!(checks[1].policy.timeout, Duration::from_secs(45));
    assert_eq!(spec(1).viewport, Viewport::MOBILE);
    let ms = Duration::from_millis;
    assert_eq!(
        spec(1).expect,
        PageExpect {
            fcp: ms(2000),
            lcp: ms(3000),
            speed_index: ms(5000),
            tbt: ms(300),
            max_response_time: Some(ms(20_000)),
        }
    );
    assert_eq!(
        spec(2).viewport,
        Viewport {
            width: 1920,
            height: 1080,
            mobile: false
        }
    );
}

#[test]
fn browser_keys_are_checked() {
    assert_errors(
        "browser-bad",
        &[
            "emcd.yaml:2:56: probing.browser.max_concurrent: 0 is too small: expected at least 1",
            "agencies/ha-noi.yaml:8:19: systems[0].checks[0].interval: interval 30s is too short for a browser check: expected at least 1m",
            "agencies/ha-noi.yaml:11:24: systems[0].checks[1].browser.url: relative URL \"hanoi.gov.vn\": use an absolute http:// or https:// URL",
            "agencies/ha-noi.yaml:11:58: systems[0].checks[1].browser.viewport.width: 100 is too small: expected at least 200",
            "agencies/ha-noi.yaml:12:26: systems[0].checks[1].expect.status: `expect.status` applies to http checks only",
            "agencies/ha-noi.yaml:12:38: systems[0].checks[1].expect.fcp: fcp 0s is too short: expected at least 1ms",
            "agencies/ha-noi.yaml:12:47: systems[0].checks[1].expect.tbt: tbt 11m is too long: expected at most 10m",
            "agencies/ha-noi.yaml:15:23: systems[0].checks[2].expect.lcp: `expect.lcp` applies to browser checks only",
        ],
    );
}

/// `emcd check` fails, naming what to do, when a config has browser checks and no
/// Chromium is found.
#[test]
fn a_browser_check_needs_chromium() {
    assert_errors(
        "browser-no-chromium",
        &["agencies/ha-noi.yaml:8:18: systems[0].checks[0].browser: a browser check needs Chromium: none of chromium, chromium-browser, google-chrome is on PATH; install one or set probing.browser.executable"],
    );
    assert_errors(
        "browser-executable-missing",
        &["emcd.yaml:2:25: probing.browser.executable: Chromium executable \"/nonexistent/chromium\" is not a file"],
    );
}
