//! The status page (docs/api.md) of the whole daemon, started in-process on loopback: names
//! from config are escaped, unknown agencies get an HTML 404, the page has no external
//! asset and no script, and an agency's 90 daily bars carry the availability of each
//! day as computed independently from the seeded history.

mod support;

use chrono::TimeZone;
use support::fixture::{self, HB_INTERVAL};
use support::{ConfigDir, Running};

const EVIL: &str = "<script>alert(1)</script>";

fn assert_self_contained(page: &str, what: &str) {
    assert!(page.starts_with("<!DOCTYPE html>"), "{what}");
    assert!(
        page.contains("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"),
        "{what}"
    );
    assert!(
        !page.to_ascii_lowercase().contains("<script"),
        "{what} has a script"
    );
    assert!(!page.contains("src="), "{what} loads something");
    for href in page.split("href=\"").skip(1) {
        let target = &href[..href.find('"').unwrap()];
        assert!(
            target.starts_with('/') || target == "data:,",
            "{what} links to {target}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_from_config_are_escaped() {
    let dir = ConfigDir::new("");
    dir.agency(
        "bo-xss",
        &format!(
            "agency: {{id: bo-xss, code: \"X<1>\", name: \"{EVIL}\", kind: ministry}}\n\
             systems:\n  - id: he-thong\n    name: \"A \\\"quoted\\\" <b>bold</b> & co\"\n    kind: tthc\n    checks:\n\
             \x20     - id: hb\n        push: {{token: \"sha256:{}\", max_silence: 1h}}\n",
            "ab".repeat(32)
        ),
    );
    let d = Running::start(&dir).await;
    for path in ["/", "/agencies/bo-xss"] {
        let r = d.fetch(path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
        let csp = r.header("content-security-policy").unwrap_or_default();
        assert!(
            csp.starts_with("default-src 'none'; style-src 'sha256-"),
            "{path}: {csp}"
        );
        assert!(
            !csp.contains("script"),
            "{path}: no script source at all: {csp}"
        );
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert!(
            r.body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
            "{path}:\n{}",
            r.body
        );
        assert!(!r.body.contains(EVIL), "{path} shows the name unescaped");
        assert_self_contained(&r.body, path);
    }
    let page = d.fetch("/agencies/bo-xss").await.body;
    assert!(page.contains("<title>&lt;script&gt;alert(1)&lt;/script&gt;</title>"));
    assert!(
        page.contains("A &quot;quoted&quot; &lt;b&gt;bold&lt;/b&gt; &amp; co"),
        "{page}"
    );
    assert!(!page.contains("<b>bold"));
    // The JSON API returns names as they are: escaping is the page's job.
    let v = d.json("/api/v1/agencies/bo-xss").await;
    assert_eq!(v["name"], EVIL);
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_agency_is_an_html_404() {
    let dir = ConfigDir::new("");
    dir.agency(
        "ha-noi",
        "agency: {id: ha-noi, code: \"01\", name: Hà Nội, kind: city}\nsystems: []\n",
    );
    let d = Running::start(&dir).await;
    for path in [
        "/agencies/khong-co",
        "/agencies/",
        "/agencies/ha-noi/x",
        "/agencies/%3Cscript%3E",
    ] {
        let r = d.fetch(path).await;
        assert_eq!(r.status, 404, "{path}");
        assert_eq!(
            r.header("content-type"),
            Some("text/html; charset=utf-8"),
            "{path}"
        );
        assert!(
            r.body.contains("<h1>Không tìm thấy</h1>") && r.body.contains("href=\"/?lang=vi\""),
            "{path}"
        );
        assert_self_contained(&r.body, path);
    }
    let r = d.fetch("/agencies/khong-co?lang=en").await;
    assert_eq!(r.status, 404);
    assert!(r.body.contains("<h1>Not found</h1>") && r.body.contains("<html lang=\"en\">"));
    let r = d.fetch("/agencies/ha-noi").await;
    assert_eq!(r.status, 200);
    assert!(r.body.contains("<h1>Hà Nội</h1>"));
    d.stop().await;
}

/// `ratio` as the page writes it: never rounded up to 100 %.
fn percent(r: f64) -> String {
    if r >= 1.0 {
        "100%".into()
    } else if r <= 0.0 {
        "0%".into()
    } else {
        format!("{:.2}%", (r * 10_000.0).floor() / 100.0)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agency_page_shows_systems_checks_and_daily_bars() {
    let f = fixture::start().await;
    let d = &f.daemon;
    d.wait_json(
        "/api/v1/checks/bo-tu-phap/ho-tich/bad",
        "bad went down",
        |v| v["state"]["status"] == "down",
    )
    .await;
    d.wait_json("/api/v1/alerts", "CheckDown fired for bad", |v| {
        v["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["labels"]["alertname"] == "CheckDown" && a["labels"]["check"] == "bad")
    })
    .await;
    let page = d.fetch("/agencies/bo-tu-phap?lang=en").await.body;
    assert_self_contained(&page, "agency page");
    // The firing alert is shown beside the check it is about, and only there.
    let bad = &page[page.find("<h3>bad</h3>").unwrap()..];
    let bad = &bad[..bad.find("</div>").unwrap()];
    assert!(
        bad.contains("<span class=\"badge bad\" title=\"CheckDown, firing since ")
            && bad.contains("\">Service down</span>"),
        "no CheckDown badge on bad:\n{bad}"
    );
    assert_eq!(page.matches(">Service down</span>").count(), 1, "{page}");
    let index = d.fetch("/?lang=en").await.body;
    let item = &index[index
        .rfind("href=\"/agencies/bo-tu-phap?lang=en\"")
        .unwrap()..];
    let item = &item[..item.find("</li>").unwrap()];
    assert!(
        item.contains(" alert firing") || item.contains(" alerts firing"),
        "the index does not count bo-tu-phap's firing alerts:\n{item}"
    );
    for text in [
        "<h1>Bộ Tư pháp</h1>",
        "Partially connected</span> 1/3 required systems connected (33.33%)",
        "<h2>Hệ thống đăng ký hộ tịch</h2>",
        "<span class=\"badge connected\">connected</span>",
        "<span class=\"badge disconnected\">disconnected</span>",
        "<span class=\"badge unregistered\">unregistered</span>",
        "No check registered.",
        "<h3>good</h3>",
        "<span class=\"badge up\">up</span> <span>HTTP 200 · ",
        "<span class=\"badge down\">down</span> <span>HTTP 503 · ",
        "<p class=\"why\">The server answered HTTP 503</p>",
        "<h2>Open incidents</h2>",
        // The push check has never reported since the start.
        "<span class=\"badge pending\">pending</span> <span class=\"muted\">no result yet</span>",
    ] {
        assert!(page.contains(text), "missing {text:?} in\n{page}");
    }

    // 90 bars per check, oldest first; check hb's against the seeded history.
    let titles: Vec<&str> = page
        .split("role=\"img\" title=\"")
        .skip(1)
        .map(|s| &s[..s.find('"').unwrap()])
        .collect();
    assert_eq!(titles.len(), 3 * 90);
    let generated = page
        .split("Generated <time datetime=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let now = support::unix(&serde_json::json!(generated));
    let tz = chrono_tz::Asia::Ho_Chi_Minh;
    let today = tz.timestamp_opt(now, 0).unwrap().date_naive();
    let start = |date: chrono::NaiveDate| {
        tz.from_local_datetime(&date.and_hms_opt(0, 0, 0).unwrap())
            .unwrap()
            .timestamp()
    };
    let mut with_data = 0;
    for (i, title) in titles[180..].iter().enumerate() {
        let date = today - chrono::Days::new(89 - i as u64);
        let (from, to) = (start(date), start(date.succ_opt().unwrap()).min(now));
        let [up, degraded, down, _, _] = support::per_second(&f.history, 2 * HB_INTERVAL, from, to);
        let want = if up + degraded + down == 0 {
            format!("{date}: no data")
        } else {
            with_data += 1;
            let r = (up + degraded) as f64 / (up + degraded + down) as f64;
            format!("{date}: {} available, {} min down", percent(r), down / 60)
        };
        assert_eq!(*title, want, "bar {i}");
    }
    assert!(with_data >= 2, "the seeded history spans at least two days");
    // good has been up since the start: today's bar is green, earlier ones grey.
    assert!(
        titles[89].ends_with(": 100% available, 0 min down"),
        "{}",
        titles[89]
    );
    assert!(titles[0].ends_with(": no data"), "{}", titles[0]);
    assert!(page.contains("<li class=\"ok\" role=\"img\""));

    // The same page in Vietnamese, the default: states, reasons, dates and numbers.
    let vi = d.fetch("/agencies/bo-tu-phap").await.body;
    assert_self_contained(&vi, "agency page in Vietnamese");
    let date_vi = today.format("%d/%m/%Y").to_string();
    for text in [
        "<html lang=\"vi\">",
        "Kết nối một phần</span> 1/3 hệ thống bắt buộc đã kết nối (33,33 %)",
        "<span class=\"badge up\">Hoạt động bình thường</span>",
        "<span class=\"badge down\">Gián đoạn</span>",
        "<p class=\"why\">Máy chủ trả về mã lỗi HTTP 503</p>",
        "<h2>Sự cố đang diễn ra</h2>",
        "Dịch vụ gián đoạn</span>",
        "<span class=\"badge connected\">Đã kết nối</span>",
        "Chưa đăng ký điểm kiểm tra nào.",
        "<a href=\"/agencies/bo-tu-phap?lang=en\" hreflang=\"en\" lang=\"en\">English</a>",
        &format!("title=\"{date_vi}: khả dụng 100 %, gián đoạn 0 phút\""),
    ] {
        assert!(vi.contains(text), "missing {text:?} in\n{vi}");
    }
    let index = d.fetch("/").await.body;
    let problems = index.find("<h2>Cần chú ý").expect("a problems section");
    let first_league = index
        .find("<h2>Bộ, cơ quan ngang bộ</h2>")
        .unwrap_or(index.len());
    let item = index
        .rfind("href=\"/agencies/bo-tu-phap?lang=vi\"")
        .unwrap();
    assert!(
        problems < item && item < first_league,
        "bo-tu-phap is not among the problems:\n{index}"
    );
    assert!(
        index.contains("cảnh báo đang kích hoạt</li>"),
        "no alerts tile:\n{index}"
    );
    f.daemon.stop().await;
}

/// Whether `svg` is well-formed as far as tags go: one root `<svg>`, every tag
/// closed in order, attributes quoted.
fn well_formed_svg(svg: &str) -> bool {
    if !svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\"") {
        return false;
    }
    let mut open: Vec<&str> = Vec::new();
    for tag in svg.split('<').skip(1) {
        let Some(end) = tag.find('>') else {
            return false;
        };
        let tag = &tag[..end];
        if tag.matches('"').count() % 2 != 0 {
            return false;
        }
        if let Some(name) = tag.strip_prefix('/') {
            if open.pop() != Some(name) {
                return false;
            }
        } else if !tag.ends_with('/') {
            open.push(tag.split_whitespace().next().unwrap_or_default());
        }
    }
    open.is_empty() && svg.trim_end().ends_with("</svg>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn badges_are_svg_with_state_availability_and_etag() {
    let f = fixture::start().await;
    let d = &f.daemon;
    d.wait_json(
        "/api/v1/checks/bo-tu-phap/ho-tich/bad",
        "bad went down",
        |v| v["state"]["status"] == "down",
    )
    .await;
    for (path, want) in [
        // The seeded history of the heartbeat check is days long: a 30-day figure.
        ("/badge/bo-tu-phap.svg", "Bộ Tư pháp: Có sự cố · "),
        (
            "/badge/bo-tu-phap/ho-tich.svg",
            "Hệ thống đăng ký hộ tịch: Gián đoạn",
        ),
        (
            "/badge/ha-noi/cong-dvc.svg?lang=en",
            "Cổng dịch vụ công: up",
        ),
    ] {
        let r = d.fetch(path).await;
        assert_eq!(r.status, 200, "{path}: {}", r.body);
        assert_eq!(
            r.header("content-type"),
            Some("image/svg+xml; charset=utf-8"),
            "{path}"
        );
        assert_eq!(r.header("cache-control"), Some("max-age=60"), "{path}");
        assert!(
            well_formed_svg(&r.body),
            "{path}: not well-formed:\n{}",
            r.body
        );
        assert!(
            r.body.contains(&format!("<title>{want}")),
            "{path}: {}",
            r.body
        );
        let etag = r.header("etag").expect("an ETag").to_owned();
        assert!(etag.starts_with('"') && etag.ends_with('"'), "{etag}");
        let again = d
            .send("GET", path, &[("if-none-match", &etag)], b"")
            .await
            .unwrap();
        assert_eq!(again.status, 304, "{path}");
        assert!(again.body.is_empty(), "{path}");
        assert_eq!(again.header("etag"), Some(etag.as_str()), "{path}");
        let other = d
            .send("GET", path, &[("if-none-match", "\"other\"")], b"")
            .await
            .unwrap();
        assert_eq!(other.status, 200, "{path}");
    }
    for path in [
        "/badge/khong-co.svg",
        "/badge/bo-tu-phap/khong-co.svg",
        "/badge/bo-tu-phap",
    ] {
        assert_eq!(d.fetch(path).await.status, 404, "{path}");
    }
    f.daemon.stop().await;
}
