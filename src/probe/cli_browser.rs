//! `emcd probe --browser URL`: one page load in headless Chromium, as a `browser` check
//! does it (the 2025 criteria as thresholds), printed for an agency debugging its page:
//! the four figures against their thresholds, the load event, requests, bytes, status and
//! the verdict.

use std::fmt::Write;
use std::time::Duration;

use anyhow::{bail, Context};
use url::Url;

use super::{Outcome, Prober};
use crate::config::{BrowserSpec, PageExpect, Policy, ProbingBrowser, Viewport};
use crate::result::PageFigures;

/// What `--browser` needs of the command line.
pub(super) struct BrowserArgs<'a> {
    pub(super) url: &'a str,
    pub(super) timeout: Option<Duration>,
    pub(super) mobile: bool,
    pub(super) chromium: Option<&'a std::path::Path>,
}

/// Loads the page and prints it. `Ok(true)` if it is up or degraded.
pub(super) async fn run(args: BrowserArgs<'_>) -> anyhow::Result<bool> {
    let url = Url::parse(args.url).with_context(|| format!("invalid URL {:?}", args.url))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        bail!(
            "--browser loads an http:// or https:// page, not {:?}",
            args.url
        );
    }
    let executable = match args.chromium {
        Some(path) if path.is_file() => path.to_path_buf(),
        Some(path) => bail!("--chromium {:?} is not a file", path.display().to_string()),
        None => {
            let path = std::env::var("PATH").ok();
            crate::config::chromium_on_path(path.as_deref()).context(
                "no Chromium: none of chromium, chromium-browser, google-chrome is on PATH; \
                 install one or pass --chromium FILE",
            )?
        }
    };
    let settings = ProbingBrowser {
        executable: Some(executable),
        max_concurrent: 1,
    };
    let user_agent = concat!("emcd/", env!("CARGO_PKG_VERSION"));
    let prober = Prober::new(user_agent, &[])
        .context("setting up the prober")?
        .with_browser(&settings);
    let viewport = match args.mobile {
        true => Viewport::MOBILE,
        false => Viewport::DESKTOP,
    };
    let spec = BrowserSpec {
        url,
        viewport,
        expect: PageExpect::CRITERIA,
    };
    let timeout = args.timeout.unwrap_or(Duration::from_secs(30));
    let policy = Policy {
        interval: timeout.saturating_add(Duration::from_secs(1)),
        timeout,
        failure_threshold: 1,
        success_threshold: 1,
        degraded_after: timeout,
        slo_availability: 99.5,
        cert_min_days: 14,
        vantages: Vec::new(),
        quorum: None,
    };
    let outcome = prober.browser(&spec, &policy).await;
    print!("{}", render(&spec, &outcome));
    Ok(outcome.result.is_available())
}

fn render(spec: &BrowserSpec, o: &Outcome) -> String {
    let mut out = String::new();
    let v = spec.viewport;
    let phone = if v.mobile { ", mobile" } else { "" };
    let _ = writeln!(out, "PAGE {} ({}x{}{phone})", spec.url, v.width, v.height);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    if let Some(f) = &o.page {
        let names = ["fcp", "lcp", "speed_index", "tbt"];
        for ((name, figure), limit) in names.iter().zip(f.as_array()).zip(spec.expect.as_array()) {
            let mark = if figure > limit { "over" } else { "ok" };
            let _ = writeln!(
                out,
                "  {name:<12}{:>9.0} ms   (threshold {:>6.0} ms: {mark})",
                ms(figure),
                ms(limit)
            );
        }
        figures_tail(&mut out, f);
    } else {
        let _ = writeln!(out, "  {:<12}{:>9.0} ms", "total", ms(o.duration));
    }
    if let Some(status) = o.status_code {
        let _ = writeln!(out, "status       {status}");
    }
    let _ = match (o.error, &o.message) {
        (Some(kind), Some(message)) => {
            writeln!(out, "result       {} ({kind}): {message}", o.result)
        }
        _ => writeln!(out, "result       {}", o.result),
    };
    out
}

fn figures_tail(out: &mut String, f: &PageFigures) {
    let _ = writeln!(
        out,
        "  {:<12}{:>9.0} ms",
        "load",
        f.load.as_secs_f64() * 1e3
    );
    let _ = writeln!(out, "  {:<12}{:>9}", "requests", f.requests);
    let _ = writeln!(out, "  {:<12}{:>9} bytes", "transferred", f.bytes);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::probe::Phases;
    use crate::result::ResultKind;

    #[test]
    fn figures_are_printed_against_their_thresholds() {
        let ms = Duration::from_millis;
        let spec = BrowserSpec {
            url: "https://hanoi.gov.vn/".parse().unwrap(),
            viewport: Viewport::DESKTOP,
            expect: PageExpect::CRITERIA,
        };
        let page = PageFigures {
            fcp: ms(800),
            lcp: ms(4500),
            speed_index: ms(4500),
            tbt: ms(120),
            load: ms(3000),
            requests: 42,
            bytes: 1_234_567,
        };
        let o = Outcome {
            duration: ms(3000),
            phases: Phases::default(),
            status_code: Some(200),
            cert_expiry: None,
            result: ResultKind::Degraded,
            error: None,
            message: None,
            page: Some(page),
        };
        let text = render(&spec, &o);
        assert!(
            text.starts_with("PAGE https://hanoi.gov.vn/ (1366x768)\n"),
            "{text}"
        );
        assert!(
            text.contains("  fcp               800 ms   (threshold   3000 ms: ok)\n"),
            "{text}"
        );
        assert!(
            text.contains("  lcp              4500 ms   (threshold   4000 ms: over)\n"),
            "{text}"
        );
        assert!(text.contains("  requests           42\n"), "{text}");
        assert!(
            text.ends_with("status       200\nresult       degraded\n"),
            "{text}"
        );
    }
}
