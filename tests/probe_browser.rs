//! The browser probe against a real headless Chromium (`/usr/bin/chromium`, Debian's
//! package, installed by `.ci/run`) loading pages served on 127.0.0.1 with known timing
//! (`emcd::demo::web_pages`): a hero image the server holds back N ms makes LCP >= N; a
//! 700 ms busy script after the load event makes TBT >= 650 ms; an image that never
//! arrives hits the check's timeout. Figures are asserted within stated tolerances, never
//! exactly: the upper bounds leave seconds of slack for a loaded 2-core machine.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;

use emcd::config::{BrowserSpec, PageExpect, ProbingBrowser, Viewport};
use emcd::probe::Prober;
use emcd::result::{ErrorKind, ResultKind};
use support::*;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

const CHROMIUM: &str = "/usr/bin/chromium";

/// The pages' server; stopped (hung requests with it) when the guard drops.
struct Pages {
    base: String,
    _stop: tokio_util::sync::DropGuard,
}

async fn pages() -> Pages {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    tokio::spawn(emcd::demo::web_pages::serve(listener, stop.clone()));
    Pages {
        base,
        _stop: stop.drop_guard(),
    }
}

fn chromium(max_concurrent: usize) -> Prober {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install it with `apt-get install -y chromium` (.ci/run does)"
    );
    let settings = ProbingBrowser {
        executable: Some(PathBuf::from(CHROMIUM)),
        max_concurrent,
    };
    prober(&[]).with_browser(&settings)
}

fn spec(url: &str) -> BrowserSpec {
    BrowserSpec {
        url: url.parse().unwrap(),
        viewport: Viewport::DESKTOP,
        expect: PageExpect::CRITERIA,
    }
}

fn secs(s: u64) -> emcd::config::Policy {
    policy(Duration::from_secs(s), Duration::from_secs(3))
}

const MS: fn(u64) -> Duration = Duration::from_millis;

#[tokio::test]
async fn a_fast_page_is_up_with_a_small_fcp() {
    let pages = pages().await;
    let prober = chromium(2);
    let o = prober
        .browser(&spec(&format!("{}/page/fast", pages.base)), &secs(30))
        .await;
    assert_eq!(
        (o.result, o.error, o.status_code),
        (ResultKind::Up, None, Some(200)),
        "{o:?}"
    );
    let f = o.page.expect("figures");
    assert!(f.fcp > Duration::ZERO && f.fcp < MS(2000), "{f:?}");
    assert!(f.lcp >= f.fcp && f.speed_index >= f.lcp, "{f:?}");
    assert!(f.tbt < MS(200), "{f:?}");
    // The document, and the favicon Chromium asks for (when it did by then).
    assert!((1..=2).contains(&f.requests), "{f:?}");
    assert!(f.bytes > 200, "{f:?}");
    assert_eq!(o.duration, f.load);
    // The same page on a phone's viewport loads too.
    let mut phone = spec(&format!("{}/page/fast", pages.base));
    phone.viewport = Viewport::MOBILE;
    let o = prober.browser(&phone, &secs(30)).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
}

/// LCP >= the image's delay (it is the largest element and cannot paint before it
/// arrives), and at most 3 s after it; FCP (the heading) comes before it.
#[tokio::test]
async fn a_late_hero_image_sets_lcp() {
    let pages = pages().await;
    let o = chromium(2)
        .browser(
            &spec(&format!("{}/page/hero?delay=1500", pages.base)),
            &secs(30),
        )
        .await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    let f = o.page.expect("figures");
    assert!(f.lcp >= MS(1500) && f.lcp < MS(4500), "{f:?}");
    assert!(f.fcp < MS(1500), "{f:?}");
    assert!(f.speed_index >= f.lcp && f.load >= MS(1500), "{f:?}");
    assert!(
        (2..=3).contains(&f.requests),
        "the page, its image, the favicon: {f:?}"
    );
}

/// A 700 ms busy loop after FCP is one long task: TBT >= 650 ms (700 - 50), and below
/// 2 s (the loop runs on wall time, so a slow machine stretches it little).
#[tokio::test]
async fn a_busy_script_sets_tbt() {
    let pages = pages().await;
    let o = chromium(2)
        .browser(
            &spec(&format!("{}/page/busy?ms=700", pages.base)),
            &secs(30),
        )
        .await;
    assert_eq!(o.result, ResultKind::Degraded, "TBT over 600 ms: {o:?}");
    let f = o.page.expect("figures");
    assert!(f.tbt >= MS(650) && f.tbt < MS(2000), "{f:?}");
    assert!(f.fcp < MS(2000), "{f:?}");
}

/// An image that never arrives: no load event, so the page is down at the timeout.
#[tokio::test]
async fn a_hung_resource_hits_the_timeout() {
    let pages = pages().await;
    let o = chromium(2)
        .browser(&spec(&format!("{}/page/hang", pages.base)), &secs(4))
        .await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Timeout)),
        "{o:?}"
    );
    assert!(o.duration >= MS(4000) && o.duration < MS(10_000), "{o:?}");
    assert!(
        o.message.as_deref().unwrap().contains("timed out after 4s"),
        "{o:?}"
    );
    assert!(o.page.is_none());
}

#[tokio::test]
async fn thresholds_degrade_and_max_response_time_fails() {
    let pages = pages().await;
    let prober = chromium(2);
    let mut s = spec(&format!("{}/page/hero?delay=1000", pages.base));
    s.expect.lcp = MS(500);
    let o = prober.browser(&s, &secs(30)).await;
    assert_eq!((o.result, o.error), (ResultKind::Degraded, None), "{o:?}");
    s.expect.max_response_time = Some(MS(500));
    let o = prober.browser(&s, &secs(30)).await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::TooSlow)),
        "{o:?}"
    );
    assert!(o.page.is_some(), "a page that loaded keeps its figures");
}

#[tokio::test]
async fn a_missing_page_and_a_closed_port_are_down() {
    let pages = pages().await;
    let prober = chromium(2);
    let o = prober
        .browser(&spec(&format!("{}/page/missing", pages.base)), &secs(30))
        .await;
    assert_eq!(
        (o.result, o.error, o.status_code),
        (ResultKind::Down, Some(ErrorKind::Status), Some(404)),
        "{o:?}"
    );
    let closed = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap()
        .local_addr()
        .unwrap();
    let o = prober
        .browser(&spec(&format!("http://{closed}/")), &secs(30))
        .await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Down, Some(ErrorKind::Connect)),
        "{o:?}"
    );
    assert!(o.message.unwrap().contains("ERR_CONNECTION_REFUSED"));
}

/// `max_concurrent` bounds the pages loading at once: with 1, a second load waits for
/// the first (hung) one and, past its own timeout, is `unknown`: the monitor's shortage.
#[tokio::test]
async fn max_concurrent_bounds_the_pages_at_once() {
    let pages = pages().await;
    let prober = chromium(1);
    let hang = spec(&format!("{}/page/hang", pages.base));
    let fast = spec(&format!("{}/page/fast", pages.base));
    let (long, short) = (secs(4), secs(2));
    let (first, second) = tokio::join!(prober.browser(&hang, &long), async {
        tokio::time::sleep(MS(500)).await;
        prober.browser(&fast, &short).await
    });
    assert_eq!(first.error, Some(ErrorKind::Timeout), "{first:?}");
    assert_eq!(
        (second.result, second.error),
        (ResultKind::Unknown, Some(ErrorKind::Vantage)),
        "{second:?}"
    );
    assert!(second.message.unwrap().contains("no free browser page"));
}

/// Chromium killed between loads is started again at the next one.
#[tokio::test]
async fn a_dead_chromium_is_restarted() {
    let pages = pages().await;
    let prober = chromium(2);
    let fast = spec(&format!("{}/page/fast", pages.base));
    assert_eq!(
        prober.browser(&fast, &secs(30)).await.result,
        ResultKind::Up
    );
    let browser = prober.chromium().unwrap();
    let pid = browser.pid().await.expect("Chromium runs");
    let killed = std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let o = eventually_up(&prober, &fast).await;
    assert_eq!(o.result, ResultKind::Up, "{o:?}");
    assert_eq!(browser.launches(), 2);
}

/// The first load after the kill may see the dying connection (`browser`); the next one
/// runs on a new process. At most three loads.
async fn eventually_up(prober: &Prober, s: &BrowserSpec) -> emcd::probe::Outcome {
    let mut last = None;
    for _ in 0..3 {
        let o = prober.browser(s, &secs(30)).await;
        if o.result == ResultKind::Up {
            return o;
        }
        last = Some(o);
    }
    last.unwrap()
}

#[tokio::test]
async fn a_prober_without_chromium_says_unknown() {
    let o = prober(&[])
        .browser(&spec("http://127.0.0.1:9/"), &secs(5))
        .await;
    assert_eq!(
        (o.result, o.error),
        (ResultKind::Unknown, Some(ErrorKind::Vantage)),
        "{o:?}"
    );
}

/// `emcd probe --browser URL` prints the four figures against their thresholds and exits
/// 0 for a page that loads, 1 for one that does not.
#[tokio::test]
async fn emcd_probe_browser_prints_the_figures() {
    let pages = pages().await;
    let run = |url: String| async move {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_emcd"))
            .args([
                "probe",
                "--browser",
                "--chromium",
                CHROMIUM,
                "--timeout",
                "20s",
                &url,
            ])
            .output()
            .await
            .unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap())
    };
    let (code, text) = run(format!("{}/page/hero?delay=500", pages.base)).await;
    assert_eq!(code, Some(0), "{text}");
    for line in [
        "PAGE http://",
        "(1366x768)",
        "  fcp ",
        "  lcp ",
        "  speed_index ",
        "  tbt ",
        "threshold   4000 ms: ok",
        "status       200",
        "result       up",
    ] {
        assert!(text.contains(line), "{line:?} in {text}");
    }
    let (code, text) = run(format!("{}/page/missing", pages.base)).await;
    assert_eq!(code, Some(1), "{text}");
    assert!(
        text.contains("result       down (status): the page answered status 404"),
        "{text}"
    );
}
