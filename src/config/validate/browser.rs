//! Validates browser checks (SPEC 14) and `probing.browser`: the page's URL and viewport,
//! the thresholds, an interval of at least a minute (default 15m), and a Chromium to run
//! them: `probing.browser.executable`, else one found on `PATH`. Looking Chromium up on
//! `PATH` (a few `stat`s) is, with reading TLS files, the only I/O of validation.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::super::model::*;
use super::super::raw::{self, PolicyRef, Spanned};
use super::super::scalar::{self, fmt_duration};
use super::{sub, Ctx};

/// A browser check's interval when it sets none: page loads are heavy.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(15 * 60);
/// A browser check's timeout when it sets none.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The shortest interval of a browser check.
const MIN_INTERVAL: Duration = Duration::from_secs(60);

/// The executables looked for on `PATH`, in order.
pub const NAMES: [&str; 3] = ["chromium", "chromium-browser", "google-chrome"];

/// `probing.browser`: the executable must be a file when given; without it, the first of
/// [`NAMES`] on the `PATH` of the environment, if any (none is an error only where a
/// browser check is, see [`check`]).
pub fn probing(ctx: &mut Ctx<'_>, s: Option<&raw::ProbingBrowserSection>) -> ProbingBrowser {
    let max_concurrent = ctx.or(
        s.and_then(|s| s.max_concurrent.as_ref()),
        "probing.browser.max_concurrent",
        2,
        |s| scalar::integer(s, 1, 64).map(|n| n as usize),
    );
    let executable = match s.and_then(|s| s.executable.as_ref()) {
        Some(t) => {
            let dir = ctx.file().parent().unwrap_or(Path::new("")).to_path_buf();
            let path = ctx
                .text(t, "probing.browser.executable")
                .map(|s| dir.join(s));
            if let Some(p) = path.as_ref().filter(|p| !p.is_file()) {
                let message = format!(
                    "Chromium executable {:?} is not a file",
                    p.display().to_string()
                );
                ctx.error(t.referenced, "probing.browser.executable", message);
            }
            // Kept when wrong, so its checks are not told to set it: the error above
            // fails the config already.
            path
        }
        None => chromium_on_path((ctx.env)("PATH").as_deref()),
    };
    ProbingBrowser {
        executable,
        max_concurrent,
    }
}

/// The first of [`NAMES`] in the directories of `path` (a `PATH` value).
pub fn chromium_on_path(path: Option<&str>) -> Option<PathBuf> {
    let dirs: Vec<PathBuf> = path.map(|p| std::env::split_paths(p).collect())?;
    NAMES
        .iter()
        .flat_map(|n| dirs.iter().map(move |d| d.join(n)))
        .find(|p| p.is_file())
}

/// The policy of a browser check: `interval` at least 1m, default 15m (not
/// `defaults.interval`, which suits http); `timeout` default 30s.
pub fn policy(ctx: &mut Ctx<'_>, keys: PolicyRef<'_>, path: &str, mut p: Policy) -> Policy {
    match keys.interval {
        None => p.interval = DEFAULT_INTERVAL,
        Some(t) if p.interval < MIN_INTERVAL => {
            let message = format!(
                "interval {} is too short for a browser check: expected at least {}",
                fmt_duration(p.interval),
                fmt_duration(MIN_INTERVAL)
            );
            ctx.error(t.referenced, &sub(path, "interval"), message);
        }
        Some(_) => {}
    }
    if keys.timeout.is_none() {
        p.timeout = DEFAULT_TIMEOUT.min(p.interval / 2);
    }
    p
}

/// A check's `browser` section with its `expect`.
pub fn check(
    ctx: &mut Ctx<'_>,
    b: &Spanned<raw::BrowserSection>,
    expect: Option<&raw::ExpectSection>,
    check_path: &str,
) -> Option<BrowserSpec> {
    let (b, at) = (&b.value, b.referenced);
    let path = sub(check_path, "browser");
    if !ctx.chromium {
        let message = format!(
            "a browser check needs Chromium: none of {} is on PATH; install one or set \
             probing.browser.executable",
            NAMES.join(", ")
        );
        ctx.error(at, &path, message);
    }
    let url = ctx
        .required(b.url.as_ref(), at, &path, "url")
        .and_then(|t| ctx.parse(t, &sub(&path, "url"), scalar::http_url));
    let mobile = ctx.or(
        b.mobile.as_ref(),
        &sub(&path, "mobile"),
        false,
        scalar::boolean,
    );
    let mut viewport = if mobile {
        Viewport::MOBILE
    } else {
        Viewport::DESKTOP
    };
    if let Some(v) = &b.viewport {
        let vpath = sub(&path, "viewport");
        let side = |s: &str| scalar::integer(s, 200, 10_000).map(|n| n as u32);
        let width = ctx.required(v.value.width.as_ref(), v.referenced, &vpath, "width");
        let height = ctx.required(v.value.height.as_ref(), v.referenced, &vpath, "height");
        let width = width.and_then(|t| ctx.parse(t, &sub(&vpath, "width"), side));
        let height = height.and_then(|t| ctx.parse(t, &sub(&vpath, "height"), side));
        viewport.width = width.unwrap_or(viewport.width);
        viewport.height = height.unwrap_or(viewport.height);
    }
    let expect = page_expect(ctx, expect, &sub(check_path, "expect"));
    Some(BrowserSpec {
        url: url?,
        viewport,
        expect: expect?,
    })
}

fn page_expect(
    ctx: &mut Ctx<'_>,
    e: Option<&raw::ExpectSection>,
    path: &str,
) -> Option<PageExpect> {
    let mut out = PageExpect::CRITERIA;
    let Some(e) = e else {
        return Some(out);
    };
    let errors_before = ctx.errors.len();
    for (key, at) in http_keys(e) {
        let message = format!("`expect.{key}` applies to http checks only");
        ctx.error(at, &sub(path, key), message);
    }
    let figures = [
        (&scalar::FCP, &e.fcp, &mut out.fcp),
        (&scalar::LCP, &e.lcp, &mut out.lcp),
        (&scalar::SPEED_INDEX, &e.speed_index, &mut out.speed_index),
        (&scalar::TBT, &e.tbt, &mut out.tbt),
    ];
    for (bounds, t, slot) in figures {
        if let Some(t) = t {
            if let Some(d) = ctx.parse(t, &sub(path, bounds.what), |s| bounds.parse(s)) {
                *slot = d;
            }
        }
    }
    out.max_response_time = e.max_response_time.as_ref().and_then(|t| {
        ctx.parse(t, &sub(path, "max_response_time"), |s| {
            scalar::MAX_RESPONSE_TIME.parse(s)
        })
    });
    (ctx.errors.len() == errors_before).then_some(out)
}

/// The keys of `expect` that only http checks have, as given.
fn http_keys(e: &raw::ExpectSection) -> Vec<(&'static str, serde_saphyr::Location)> {
    let mut keys = Vec::new();
    if let Some(s) = &e.status {
        keys.push(("status", s.referenced));
    }
    for (key, t) in [
        ("body_contains", &e.body_contains),
        ("body_not_contains", &e.body_not_contains),
        ("body_regex", &e.body_regex),
    ] {
        if let Some(t) = t {
            keys.push((key, t.referenced));
        }
    }
    if let Some(h) = &e.headers {
        keys.push(("headers", h.referenced));
    }
    if let Some(j) = e.json.as_ref().and_then(|j| j.first()) {
        keys.push(("json", j.referenced));
    }
    keys
}

/// The keys of `expect` that only browser checks have, as given.
pub fn browser_keys(e: &raw::ExpectSection) -> Vec<(&'static str, serde_saphyr::Location)> {
    [
        ("fcp", &e.fcp),
        ("lcp", &e.lcp),
        ("speed_index", &e.speed_index),
        ("tbt", &e.tbt),
    ]
    .into_iter()
    .filter_map(|(k, t)| t.as_ref().map(|t| (k, t.referenced)))
    .collect()
}
