//! End to end: the real `emcd demo` binary on a free loopback port with a temporary data
//! dir. Within a minute its simulated fleet must show every story the demo tells (a check
//! DOWN, one DEGRADED, the push-only system UP through its heartbeats, the HTTPS check's
//! certificate about 5 days from expiry, 51 agencies, the unregistered system and a
//! disconnected one), its own webhook receiver must print a CheckDown firing and one
//! resolving, and on SIGTERM it must exit 0. Everything stays on 127.0.0.1 and
//! every wait is bounded.

mod support;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use support::{eventually_every, free_port, get, sample, samples};

/// The checks the demo makes fail on purpose (all others must stay UP).
const MAY_BE_DOWN: [&str; 6] = [
    "lai-chau/mot-cua/api",
    "bo-y-te/mot-cua/api",
    "dien-bien/cong-dich-vu-cong/trang-chu",
    "son-la/mot-cua/cong-ket-noi",
    "ha-noi/cong-dich-vu-cong/trang-chu",
    // A browser check (when Chromium is installed) of a page that never finishes loading.
    "ha-noi/cong-tai-trang/thu-tuc",
];
const PUSH: [&str; 3] = [
    "agency=\"bo-quoc-phong\"",
    "system=\"mot-cua\"",
    "check=\"heartbeat\"",
];
const TLS: [&str; 3] = [
    "agency=\"bo-cong-an\"",
    "system=\"cong-dich-vu-cong\"",
    "check=\"trang-chu\"",
];

/// A running `emcd demo`, killed on drop if still running.
struct Demo {
    child: Child,
    addr: String,
    dir: PathBuf,
}

impl Demo {
    fn start(dir: &Path) -> Demo {
        let addr = format!("127.0.0.1:{}", free_port());
        let stdout = std::fs::File::create(dir.join("stdout.txt")).unwrap();
        let stderr = std::fs::File::create(dir.join("emcd.log")).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_emcd"))
            .args(["demo", "--listen", &addr, "--data-dir"])
            .arg(dir.join("demo"))
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(stderr)
            .spawn()
            .expect("emcd binary starts");
        Demo {
            child,
            addr,
            dir: dir.to_owned(),
        }
    }

    fn output(&self) -> String {
        output(&self.dir)
    }

    /// Sends SIGTERM and waits (bounded) for the exit status.
    fn terminate(&mut self) -> ExitStatus {
        let dir = self.dir.clone();
        support::terminate(&mut self.child, "emcd demo", || output(&dir))
    }
}

/// The demo's stdout and stderr so far, for failure messages.
fn output(dir: &Path) -> String {
    let read = |name| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
    format!(
        "stdout:\n{}\nstderr:\n{}",
        read("stdout.txt"),
        read("emcd.log")
    )
}

impl Drop for Demo {
    fn drop(&mut self) {
        support::stop(&mut self.child);
    }
}

/// `agency/system/check` of every series of `name` whose value is `value`.
fn checks_with(s: &HashMap<String, f64>, name: &str, value: f64) -> BTreeSet<String> {
    s.iter()
        .filter(|(series, v)| **v == value && series.split('{').next() == Some(name))
        .map(|(series, _)| {
            let label = |key: &str| {
                let start = series.find(&format!("{key}=\"")).unwrap() + key.len() + 2;
                let len = series[start..].find('"').unwrap();
                series[start..start + len].to_owned()
            };
            format!("{}/{}/{}", label("agency"), label("system"), label("check"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_tells_its_stories_within_a_minute_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut demo = Demo::start(dir.path());

    let addr = demo.addr.as_str();
    let told = move || async move {
        let Ok((200, page)) = get(addr, "/metrics").await else {
            return None;
        };
        let s = samples(&page);
        let down = !checks_with(&s, "emcd_check_up", 0.0).is_empty();
        let degraded = !checks_with(&s, "emcd_check_degraded", 1.0).is_empty();
        let pushed = sample(&s, "probe_success", &PUSH) == Some(1.0);
        let tls = sample(&s, "probe_ssl_earliest_cert_expiry", &TLS).is_some();
        (down && degraded && pushed && tls).then_some(s)
    };
    let s = eventually_every(
        Duration::from_secs(60),
        Duration::from_millis(500),
        "the demo to show a DOWN, a DEGRADED, a pushed and a TLS check",
        told,
        || demo.output(),
    )
    .await;

    let down = checks_with(&s, "emcd_check_up", 0.0);
    let unexpected: Vec<_> = down
        .iter()
        .filter(|c| !MAY_BE_DOWN.contains(&c.as_str()))
        .collect();
    assert!(unexpected.is_empty(), "unexpectedly DOWN: {unexpected:?}");
    let degraded = checks_with(&s, "emcd_check_degraded", 1.0);
    assert!(
        degraded
            .iter()
            .all(|c| c == "ho-chi-minh/cong-dich-vu-cong/trang-chu"
                || c == "bo-tai-chinh/dang-ky-thanh-lap-doanh-nghiep/tra-cuu"
                // Browser checks over their LCP and TBT thresholds (with Chromium).
                || c == "ha-noi/cong-tai-trang/tin-tuc"
                || c == "ha-noi/cong-tai-trang/dich-vu"),
        "DEGRADED: {degraded:?}"
    );
    assert!(sample(&s, "emcd_push_requests_total", &["result=\"accepted\""]).unwrap() >= 1.0);

    // The certificate expires about 5 days from now.
    let expiry = sample(&s, "probe_ssl_earliest_cert_expiry", &TLS).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64();
    let days = (expiry - now) / 86_400.0;
    assert!(
        (5.0..=5.05).contains(&days),
        "certificate expires in {days} days"
    );
    assert_eq!(sample(&s, "probe_success", &TLS), Some(1.0));

    // 51 agencies and the merged Bắc Giang: one file each; every one but Bắc Giang has
    // checks on /metrics (past its valid_to it is not probed).
    let agencies_dir = dir.path().join("demo/config/agencies");
    let files = std::fs::read_dir(&agencies_dir).unwrap().count();
    assert_eq!(files, 52, "agency files in {}", agencies_dir.display());
    let agencies: BTreeSet<String> = checks_with(&s, "emcd_check_up", 1.0)
        .union(&down)
        .map(|c| c.split('/').next().unwrap().to_owned())
        .collect();
    assert_eq!(agencies.len(), 51, "{agencies:?}");
    assert!(!agencies.contains("bac-giang"), "{agencies:?}");
    let merged = std::fs::read_to_string(agencies_dir.join("bac-giang.yaml")).unwrap();
    assert!(
        merged.contains("valid_to: 2025-07-01\n  successor: bac-ninh"),
        "{merged}"
    );
    assert!(dir.path().join("demo/emcd.db").is_file());

    // The required system registered without a check.
    let ttcp = std::fs::read_to_string(agencies_dir.join("thanh-tra-chinh-phu.yaml")).unwrap();
    let mot_cua = ttcp
        .split("  - id: ")
        .find(|s| s.starts_with("mot-cua\n"))
        .unwrap();
    assert!(mot_cua.contains("    checks: []\n"), "{mot_cua}");
    assert!(!mot_cua.contains("required: false"), "{mot_cua}");
    let unregistered = ["agency=\"thanh-tra-chinh-phu\"", "system=\"mot-cua\""];
    assert_eq!(
        sample(&s, "emcd_system_connected", &unregistered),
        Some(0.0)
    );
    let ttcp = ["agency=\"thanh-tra-chinh-phu\""];
    assert_eq!(sample(&s, "emcd_agency_systems_required", &ttcp), Some(2.0));
    assert_eq!(
        sample(&s, "emcd_agency_systems_connected", &ttcp),
        Some(1.0)
    );
    // Lai Châu's one-stop system only ever answers 503: disconnected.
    let lai_chau = ["agency=\"lai-chau\""];
    assert_eq!(
        sample(&s, "emcd_agency_connection_ratio", &lai_chau),
        Some(0.5)
    );
    let per_agency = s
        .keys()
        .filter(|k| k.starts_with("emcd_agency_systems_required{"))
        .count();
    assert_eq!(per_agency, 51);

    // A few agencies push their monthly indicators, last month's and this month's so
    // far (cao-bang last): the scorecards of both months score them.
    let months = eventually_every(
        Duration::from_secs(20),
        Duration::from_millis(200),
        "the demo's indicator pushes",
        move || async move {
            let (_, body) = get(addr, "/api/v1/indicators/cao-bang").await.ok()?;
            let v: serde_json::Value = serde_json::from_str(&body).ok()?;
            let months: Vec<String> = v["months"]
                .as_array()?
                .iter()
                .map(|m| m["month"].as_str().unwrap().to_owned())
                .collect();
            (months.len() == 2).then_some(months)
        },
        || demo.output(),
    )
    .await;
    let (_, page) = get(addr, "/metrics").await.unwrap();
    let bo_tu_phap = ["agency=\"bo-tu-phap\""];
    let received = sample(
        &samples(&page),
        "emcd_indicator_dossiers_received",
        &bo_tu_phap,
    );
    assert!(received.is_some_and(|n| n > 0.0), "{received:?}");
    for month in &months {
        let path = format!("/api/v1/reports/scorecard?month={month}");
        let (status, body) = get(addr, &path).await.unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        let points = |id: &str| {
            let rows = v["agencies"].as_array().unwrap();
            let row = rows.iter().find(|r| r["agency"] == id).unwrap();
            row["indicators"]["points"].as_f64().unwrap()
        };
        assert!(points("bo-tu-phap") > points("cao-bang"), "{path}: {body}");
        assert!(
            points("cao-bang") > 0.0 && points("bo-y-te") == 0.0,
            "{path}"
        );
    }

    let out = demo.output();
    for url in [
        "/metrics",
        "/api/v1/status",
        "/api/v1/openapi.json",
        "/api/v1/indicators/bo-tu-phap",
        "Ctrl-C",
        "Bắc Giang (bac-giang) merged into bac-ninh on 2025-07-01: not probed",
    ] {
        assert!(out.contains(url), "the banner mentions {url}\n{out}");
    }
    assert!(out.contains(&format!("http://{}/", demo.addr)), "{out}");
    // Its logs went to a file, not a terminal: no colour codes.
    assert!(out.contains(" INFO "), "{out}");
    assert!(!out.contains("\x1b["), "colour codes in a log file:\n{out}");

    // Delivery: the demo routes every alert to its own webhook receiver, which prints
    // each notification as it arrives. Lai Châu's API fires a CheckDown at once; Hà Nội's
    // flapping portal goes DOWN after 30 s and resolves 30 s later.
    let stdout_path = dir.path().join("stdout.txt");
    let delivered = || async {
        let stdout = std::fs::read_to_string(&stdout_path).unwrap_or_default();
        let lines: Vec<&str> = stdout
            .lines()
            .filter(|l| l.contains("  webhook  "))
            .collect();
        let seen = |status: &str, about: &str| {
            lines.iter().any(|l| {
                let words: Vec<&str> = l.split_whitespace().collect();
                words.get(2) == Some(&status)
                    && words.contains(&"CheckDown")
                    && words.last() == Some(&about)
            })
        };
        let firing = seen("firing", "lai-chau/mot-cua/api");
        let resolved = seen("resolved", "ha-noi/cong-dich-vu-cong/trang-chu");
        let Ok((200, page)) = get(addr, "/metrics").await else {
            return None;
        };
        let s = samples(&page);
        let count = ["receiver=\"demo\"", "result=\"delivered\""];
        let count = sample(&s, "emcd_notifications_total", &count).unwrap_or(0.0);
        (firing && resolved && count > 0.0).then_some(count)
    };
    let count = eventually_every(
        Duration::from_secs(150),
        Duration::from_secs(1),
        "the demo's receiver to print a firing and a resolved CheckDown, and deliveries counted",
        delivered,
        || demo.output(),
    )
    .await;
    assert!(count >= 2.0, "{count} deliveries counted");

    let status = demo.terminate();
    assert!(
        status.success(),
        "exit status {status:?}\n{}",
        demo.output()
    );
}
