//! The demo's browser checks (SPEC 14), when Chromium is installed: the pages of
//! `web_pages` served on 127.0.0.1, and a system of Hà Nội (`cong-tai-trang`) with one
//! browser check per behaviour: a fast page (`up`), a late hero image (LCP over 4 s:
//! `degraded`), a long script (TBT over 600 ms: `degraded`) and a page whose image never
//! arrives (`down`, timeout). Without Chromium the demo runs without them and says so.

use std::fmt::Write as _;
use std::path::PathBuf;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

/// The agency whose file gets the browser checks.
pub const AGENCY: &str = "ha-noi";

/// The pages' server and the Chromium that loads them.
pub struct Pages {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    pub executable: PathBuf,
    /// The server's task: it ends when `stop` is cancelled; the demo waits for it.
    pub server: tokio::task::JoinHandle<()>,
}

/// Starts the pages' server when Chromium is on `PATH` (stopped by `stop`); `None`
/// otherwise, with a line telling the user.
pub async fn start(stop: CancellationToken) -> anyhow::Result<Option<Pages>> {
    let path = std::env::var("PATH").ok();
    let Some(executable) = crate::config::chromium_on_path(path.as_deref()) else {
        println!(
            "emcd demo: no Chromium on PATH (chromium, chromium-browser or google-chrome), so no \
             browser checks; install one (Debian: apt-get install chromium) to see page loads measured"
        );
        return Ok(None);
    };
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(super::web_pages::serve(listener, stop));
    println!(
        "emcd demo: browser checks of {AGENCY}/cong-tai-trang load pages from {base} in {}",
        executable.display()
    );
    Ok(Some(Pages {
        base,
        executable,
        server,
    }))
}

/// `probing.browser` of the main file (indented under `probing:`).
pub fn probing(p: &Pages) -> String {
    format!(
        "  browser: {{executable: \"{}\", max_concurrent: 2}}\n",
        p.executable.display()
    )
}

/// The system of browser checks, as an item of `systems:`.
pub fn system(p: &Pages) -> String {
    let checks = [
        ("trang-chu", "/page/fast", "fast: up"),
        (
            "tin-tuc",
            "/page/hero?delay=4500",
            "a hero image after 4.5 s: LCP over 4 s, degraded",
        ),
        (
            "dich-vu",
            "/page/busy?ms=900",
            "a 900 ms script: TBT over 600 ms, degraded",
        ),
        (
            "thu-tuc",
            "/page/hang",
            "an image that never arrives: down at the timeout",
        ),
    ];
    let mut out = String::from(
        "  - id: cong-tai-trang\n    name: \"Cổng thông tin (tải trang)\"\n    kind: portal\n    checks:\n",
    );
    for (id, path, what) in checks {
        let _ = write!(
            out,
            "      # demo: {what}\n      - id: {id}\n        interval: 1m\n        timeout: 20s\n\
             \x20       browser: {{url: \"{}{path}\"}}\n",
            p.base
        );
    }
    out
}
