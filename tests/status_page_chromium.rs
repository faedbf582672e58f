//! The status page in a real browser: headless Chromium (Debian package `chromium`)
//! loads `/` and a failing agency's page, in Vietnamese (the default) and in English
//! (`?lang=en`), for a fleet of all 51 agencies of `data/agencies.yaml` (17 ministries
//! and ministerial agencies, 34 provinces and cities), through a loopback proxy that
//! records every request. The pages must render every agency name in the language
//! asked, the problems first, no script, need no request but themselves, and give
//! non-trivial screenshots at phone and desktop widths (left in the cargo target tmp
//! dir to look at). Chromium is told to resolve no host but 127.0.0.1.

mod support;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Deserialize;
use support::{ConfigDir, Running};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const CHROMIUM: &str = "/usr/bin/chromium";

#[derive(Deserialize)]
struct Data {
    ministries: Vec<Entry>,
    provinces: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    id: String,
    code: String,
    name: String,
    kind: Option<String>,
}

/// One agency file per entry of `data/agencies.yaml`: a required tthc system probed
/// over HTTP (every seventh failing), a portal probed over TCP, and for every eleventh
/// agency a required system with no check.
/// Returns every agency's name, and the id and name of the first failing one.
fn write_fleet(dir: &ConfigDir, target: SocketAddr) -> (Vec<String>, (String, String)) {
    let text = std::fs::read_to_string(support::crate_file("data/agencies.yaml")).unwrap();
    let data: Data = serde_saphyr::from_str(&text).expect("data/agencies.yaml parses");
    assert_eq!((data.ministries.len(), data.provinces.len()), (17, 34));
    let mut names = Vec::new();
    let mut failing = None;
    let all = data
        .ministries
        .iter()
        .map(|e| (e, "ministry"))
        .chain(data.provinces.iter().map(|e| (e, "province")));
    for (i, (e, default_kind)) in all.enumerate() {
        let path = if i % 7 == 3 { "fail" } else { "ok" };
        if path == "fail" && failing.is_none() {
            failing = Some((e.id.clone(), e.name.clone()));
        }
        let mut yaml = format!(
            "agency: {{id: {id}, code: \"{code}\", name: \"{name}\", kind: {kind}}}\nsystems:\n\
             \x20 - id: mot-cua\n    name: \"Hệ thống một cửa {name}\"\n    kind: tthc\n    checks:\n\
             \x20     - id: api\n        http: {{url: \"http://{target}/{path}\"}}\n\
             \x20 - id: cong-dvc\n    name: \"Cổng dịch vụ công {name}\"\n    kind: portal\n    required: true\n    checks:\n\
             \x20     - id: port\n        tcp: {{host: 127.0.0.1, port: {port}}}\n",
            id = e.id,
            code = e.code,
            name = e.name,
            kind = e.kind.as_deref().unwrap_or(default_kind),
            port = target.port(),
        );
        if i % 11 == 5 {
            yaml.push_str(
                "  - id: dang-ky\n    name: \"Đăng ký\"\n    kind: tthc\n    checks: []\n",
            );
        }
        dir.agency(&e.id, &yaml);
        names.push(e.name.clone());
    }
    (names, failing.expect("a failing agency"))
}

/// (method, path, status) of every request the browser made.
type Log = Arc<Mutex<Vec<(String, String, u16)>>>;

/// A loopback HTTP/1.1 proxy to `upstream`, one request per connection, that logs
/// every request and the status it got.
async fn recording_proxy(upstream: SocketAddr) -> (SocketAddr, Log) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let log: Log = Arc::default();
    let out = log.clone();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let log = log.clone();
            tokio::spawn(tokio::time::timeout(
                Duration::from_secs(30),
                relay(client, upstream, log),
            ));
        }
    });
    (addr, out)
}

async fn relay(mut client: TcpStream, upstream: SocketAddr, log: Log) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(()); // a preconnect that was never used
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (method, path) = (
        first.next().unwrap_or_default(),
        first.next().unwrap_or_default(),
    );
    let mut forwarded = format!("{method} {path} HTTP/1.1\r\n");
    for line in lines.take_while(|l| !l.is_empty()) {
        if !line.to_ascii_lowercase().starts_with("connection:") {
            forwarded.push_str(line);
            forwarded.push_str("\r\n");
        }
    }
    forwarded.push_str("connection: close\r\n\r\n");
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(forwarded.as_bytes()).await?;
    let mut response = Vec::new();
    server.read_to_end(&mut response).await?;
    let status = String::from_utf8_lossy(&response[..response.len().min(32)])
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    log.lock()
        .unwrap()
        .push((method.to_owned(), path.to_owned(), status));
    client.write_all(&response).await?;
    client.shutdown().await
}

/// Runs headless Chromium (bounded by `timeout`) with `args` on `url`; returns stdout.
async fn chromium(profile: &Path, args: &[String], url: &str) -> String {
    let mut cmd = std::process::Command::new("timeout");
    cmd.args(["--kill-after=5", "90", CHROMIUM])
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--disable-default-apps",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            // Console messages (a Content-Security-Policy violation among them) to stderr.
            "--enable-logging=stderr",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(url);
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("chromium runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "chromium failed ({}):\n{stderr}",
        out.status
    );
    assert!(
        !stderr.contains("net::ERR_"),
        "chromium saw a network error:\n{stderr}"
    );
    assert!(
        !stderr.contains("Content Security Policy"),
        "the page breaks its own Content-Security-Policy (a stylesheet blocked?):\n{stderr}"
    );
    String::from_utf8(out.stdout).unwrap()
}

fn png_size(png: &[u8]) -> (u32, u32) {
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chromium_renders_all_51_agencies_with_no_other_request() {
    assert!(
        Path::new(CHROMIUM).exists(),
        "{CHROMIUM} is missing: install it with `apt-get install -y chromium` (Debian package; .ci/run does)"
    );
    let dir = ConfigDir::new("defaults:\n  interval: 2s\n  timeout: 1s\n  failure_threshold: 1\n");
    let target = support::fixture::target().await;
    let (names, failing) = write_fleet(&dir, target.addr);
    let d = Running::start(&dir).await;
    d.wait_json("/api/v1/status", "every check measured", |v| {
        let c = &v["totals"]["checks"];
        // 7 failing HTTP checks (every seventh agency); every other system connected.
        c["total"] == 102 && c["down"] == 7 && v["totals"]["systems"]["connected"] == 95
    })
    .await;
    let (proxy, log) = recording_proxy(d.addr).await;
    let profile = tempfile::tempdir().unwrap();
    let (bad_id, bad_name) = &failing;
    let agency = format!("/agencies/{bad_id}");
    // Headless Chromium asks for English (`Accept-Language: en-US`): Vietnamese by name.
    let pages: [(&str, String); 4] = [
        ("vi", "/?lang=vi".into()),
        ("en", "/?lang=en".into()),
        ("vi", format!("{agency}?lang=vi")),
        ("en", format!("{agency}?lang=en")),
    ];
    let mut loads = 0;
    for (lang, path) in &pages {
        let url = format!("http://{proxy}{path}");
        let dom = chromium(profile.path(), &["--dump-dom".into()], &url).await;
        loads += 1;
        assert!(
            dom.contains(&format!("<html lang=\"{lang}\">")),
            "{path}: {dom:.2000}"
        );
        assert!(
            !dom.to_ascii_lowercase().contains("<script"),
            "{path} has a script"
        );
        let index = path.starts_with("/?");
        let wanted: &[&str] = match (*lang, index) {
            ("vi", true) => &[
                "Tình trạng kết nối hệ thống EMC",
                "cảnh báo đang kích hoạt",
                "Sự cố đang diễn ra",
                "Máy chủ trả về mã lỗi HTTP 503",
                "Đã kết nối đầy đủ",
                "điểm kiểm tra",
                "hreflang=\"en\"",
            ],
            ("en", true) => &[
                "Connection to the EMC system",
                "alerts firing</li>",
                "Open incidents",
                "The server answered HTTP 503",
                "Connected",
                "2 checks",
                "hreflang=\"vi\"",
            ],
            ("vi", false) => &[
                "Gián đoạn</span>",
                "Hoạt động bình thường</span>",
                "<p class=\"why\">Máy chủ trả về mã lỗi HTTP 503</p>",
                "gián đoạn từ ",
                "Tỷ lệ khả dụng theo ngày, 90 ngày gần nhất",
                "dữ liệu",
                // The pictures, with their figures in their titles.
                "<svg class=\"chart\"",
                "<title>Thời gian phản hồi 24 giờ qua: p50 ",
                "<h2>Tỷ lệ khả dụng 30 ngày qua</h2>",
                // Minutes of data: no 30-day percentage yet.
                "<title>30 ngày: chưa đủ dữ liệu để tính (cần ít nhất 1 giờ)</title>",
            ],
            _ => &[
                ">down</span>",
                "<p class=\"why\">The server answered HTTP 503</p>",
                "down since ",
                "Daily availability, last 90 days",
                "<title>Response time, last 24 hours: p50 ",
                "<h2>Availability, last 30 days</h2>",
            ],
        };
        for text in wanted {
            assert!(dom.contains(text), "{path}: missing {text:?} in\n{dom}");
        }
        if index {
            let missing: Vec<&String> =
                names.iter().filter(|n| !dom.contains(n.as_str())).collect();
            assert!(
                missing.is_empty(),
                "{path}: agencies missing from the page: {missing:?}"
            );
            assert_eq!(
                dom.matches("<h3><span class=\"rank\">").count(),
                51,
                "{path}: one card per agency"
            );
            // Problems first: the failing agency's card comes before every league.
            let problems = dom
                .find("class=\"agencies problems\"")
                .expect("a problems list");
            let card = dom[problems..]
                .find(bad_name.as_str())
                .map(|i| i + problems);
            let league = dom[problems..]
                .find("<ol class=\"agencies\">")
                .map(|i| i + problems);
            assert!(
                card.is_some() && card < league,
                "{path}: {bad_name} is not listed among the problems first"
            );
        } else {
            assert!(dom.contains(&format!("<h1>{bad_name}</h1>")), "{path}");
        }
        for (width, height, device) in [(412, 2400, "phone"), (1280, 1600, "desktop")] {
            let name = format!(
                "status-page-{}-{lang}-{device}.png",
                if index { "index" } else { "agency" }
            );
            let shot: PathBuf = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
            let _ = std::fs::remove_file(&shot);
            chromium(
                profile.path(),
                &[
                    format!("--window-size={width},{height}"),
                    "--hide-scrollbars".into(),
                    format!("--screenshot={}", shot.display()),
                ],
                &url,
            )
            .await;
            loads += 1;
            let png = std::fs::read(&shot)
                .unwrap_or_else(|e| panic!("no screenshot at {}: {e}", shot.display()));
            let (w, h) = png_size(&png);
            assert!(w >= width && h >= 1000, "{path}: screenshot is {w}x{h}");
            assert!(
                png.len() > 20_000,
                "{path}: screenshot is only {} bytes",
                png.len()
            );
            eprintln!("screenshot: {}", shot.display());
        }
    }

    let requests = log.lock().unwrap().clone();
    assert_eq!(
        requests.len(),
        loads,
        "one request per page load, nothing else: {requests:?}"
    );
    let paths: Vec<&str> = pages.iter().map(|(_, p)| p.as_str()).collect();
    assert!(
        requests
            .iter()
            .all(|(m, p, s)| m == "GET" && paths.contains(&p.as_str()) && *s == 200),
        "{requests:?}"
    );
    d.stop().await;
}
