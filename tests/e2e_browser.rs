//! A browser check through the whole daemon (in process): headless Chromium
//! (`/usr/bin/chromium`) loads a loopback page of known timing (`demo::web_pages`), and
//! its figures show in `/metrics` (`probe_browser_seconds{metric}`), beside the check's
//! last result in the API, and in the store's `page_loads` (with their p75).

mod support;

use std::time::Duration;

use support::{ConfigDir, Running};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_check_is_measured_stored_and_shown() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let stop = CancellationToken::new();
    let _stop = stop.clone().drop_guard();
    tokio::spawn(emcd::demo::web_pages::serve(listener, stop));

    let dir = ConfigDir::new("probing:\n  browser: {executable: /usr/bin/chromium}\n");
    dir.agency(
        "ha-noi",
        &format!(
            "agency: {{id: ha-noi, code: \"01\", name: Hà Nội, kind: city}}\n\
             systems:\n  - id: cong\n    name: Cổng\n    kind: portal\n    checks:\n\
             \x20     - id: trang-chu\n        interval: 1m\n\
             \x20       browser: {{url: \"{base}/page/hero?delay=800\"}}\n"
        ),
    );
    let daemon = Running::start(&dir).await;
    let path = "/api/v1/checks/ha-noi/cong/trang-chu";
    let check = daemon
        .wait_json(path, "a page load", |v| !v["last_result"]["page"].is_null())
        .await;
    assert_eq!(check["kind"], "browser");
    assert_eq!(check["last_result"]["result"], "up", "{check:#}");
    let page = &check["last_result"]["page"];
    let lcp = page["lcp_seconds"].as_f64().unwrap();
    assert!((0.8..4.0).contains(&lcp), "{page:#}");
    assert_eq!(check["config"]["browser"]["expect"]["lcp_seconds"], 4.0);
    assert_eq!(check["config"]["browser"]["viewport"]["width"], 1366);

    let metrics = daemon.fetch("/metrics").await.body;
    for m in ["fcp", "lcp", "speed_index", "tbt"] {
        let line = format!(
            "probe_browser_seconds{{agency=\"ha-noi\",system=\"cong\",check=\"trang-chu\",vantage=\"local\",metric=\"{m}\"}} "
        );
        assert!(metrics.contains(&line), "{line} in /metrics");
        // The system's histogram of the figure, with a bucket at each threshold.
        let count = format!(
            "emcd_page_load_seconds_count{{agency=\"ha-noi\",system=\"cong\",metric=\"{m}\"}} "
        );
        assert!(metrics.contains(&count), "{count} in /metrics");
    }
    let lcp_buckets: Vec<&str> = metrics
        .lines()
        .filter(|l| l.starts_with("emcd_page_load_seconds_bucket{") && l.contains("metric=\"lcp\""))
        .collect();
    assert!(
        lcp_buckets.iter().any(|l| l.contains("le=\"4.0\"")),
        "a bucket at LCP's threshold: {lcp_buckets:?}"
    );
    // The agency's page gives the four figures against their thresholds, in words.
    let page_html = daemon.fetch("/agencies/ha-noi?lang=vi").await.body;
    for words in [
        "Nội dung đầu tiên (FCP)",
        "Nội dung lớn nhất (LCP)",
        "ngưỡng 4,00 s",
    ] {
        assert!(page_html.contains(words), "{words} on the agency's page");
    }

    // Committed with the result's batch (the writer flushes within a second).
    let db = dir.dir.path().join("emcd.db");
    let store = emcd::store::Store::open_read_only(&db).await.unwrap();
    let loads = support::eventually(Duration::from_secs(10), "a stored page load", || {
        let store = &store;
        async move {
            let l = store.page_loads(1, 0, i64::MAX).await.unwrap();
            (!l.is_empty()).then_some(l)
        }
    })
    .await;
    assert!(loads[0].1.lcp >= Duration::from_millis(800), "{loads:?}");
    let p75 = store.page_p75(1, 0, i64::MAX).await.unwrap().unwrap();
    assert_eq!(p75.loads, loads.len());
    // The month's p75 beside the check in the API.
    let check = daemon.json(path).await;
    let month = &check["page_p75"];
    assert!(month["loads"].as_u64().unwrap() >= 1, "{month:#}");
    assert!(
        month["p75"]["lcp_seconds"].as_f64().unwrap() >= 0.8,
        "{month:#}"
    );

    // The scorecard of the month scores the page loads by hand-checkable figures: each
    // p75 against its threshold, min(1, threshold / p75), their mean; with no other
    // check, the response-time part is max x that share.
    let card = daemon.json("/api/v1/reports/scorecard").await;
    let row = card["agencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["agency"] == "ha-noi")
        .unwrap_or_else(|| panic!("{card:#}"));
    let part = &row["page_load"]["checks"][0];
    assert_eq!(part["check"], "cong/trang-chu", "{row:#}");
    let stored = store.page_p75(1, 0, i64::MAX).await.unwrap().unwrap();
    let thresholds = [3000.0, 4000.0, 5800.0, 600.0];
    let mut want = 0.0;
    for ((name, p75), t) in ["fcp", "lcp", "speed_index", "tbt"]
        .iter()
        .zip(stored.p75)
        .zip(thresholds)
    {
        let p75_ms = p75.as_secs_f64() * 1000.0;
        assert_eq!(part["p75_ms"][name].as_f64().unwrap(), p75_ms, "{name}");
        assert_eq!(part["threshold_ms"][name].as_f64().unwrap(), t, "{name}");
        want += if p75_ms <= 0.0 {
            1.0
        } else {
            (t / p75_ms).min(1.0)
        } / 4.0;
    }
    let share = row["page_load"]["share"].as_f64().unwrap();
    assert!((share - want).abs() < 1e-9, "{share} != {want}");
    let rt = &row["response_time"];
    assert_eq!(
        rt["value"],
        serde_json::Value::Null,
        "no check other than the browser's"
    );
    let max = rt["max"].as_f64().unwrap();
    assert!(
        (rt["points"].as_f64().unwrap() - max * want).abs() < 1e-9,
        "{rt}"
    );
    assert!(card["policy"]["page_load"]
        .as_str()
        .unwrap()
        .contains("p75"));
    daemon.stop().await;
}
