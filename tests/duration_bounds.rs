//! Every duration key of the config against extreme values, through the real binary
//! (docs/limits.md, "Durations"): `emcd check` never panics; a value outside the key's
//! bounds fails with `FILE:LINE:COL: PATH: MESSAGE` naming the key and quoting the value;
//! a value within them passes. `emcd run` refuses such a config before it opens the
//! database, and runs cleanly with every key at its longest.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// One duration key: where it is written and what its bounds are.
struct Key {
    /// The key as errors name it.
    path: &'static str,
    /// The noun the message starts with.
    what: &'static str,
    /// Bounds as docs/limits.md writes them.
    min: &'static str,
    max: &'static str,
    /// `0` is allowed and means "never".
    zero: bool,
    /// The main file and the agency file, `@` where the value goes (in one of them).
    main: &'static str,
    agency: &'static str,
}

const TOKEN: &str = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

const AGENCY_HEAD: &str = "agency: {id: bo-tu-phap, code: BTP, name: Bộ Tư pháp, kind: ministry}\n\
    systems:\n  - id: ho-tich\n    name: Hộ tịch\n    kind: tthc\n    checks:\n      - id: portal\n";
const HTTP: &str = "        http: {url: \"http://127.0.0.1:9/\"}\n";

fn keys() -> Vec<Key> {
    let key = |path, what, min, max, main: &'static str, agency: &'static str| Key {
        path,
        what,
        min,
        max,
        zero: false,
        main,
        agency,
    };
    // The check under test, then a push check whose max_silence is twice its interval.
    let with_beat = |c: String| -> &'static str {
        let beat = format!("      - id: beat\n        push: {{token: \"{TOKEN}\"}}\n");
        Box::leak(format!("{AGENCY_HEAD}{c}{beat}").into_boxed_str())
    };
    let check = |k: &'static str| with_beat(format!("{k}{HTTP}"));
    let push = |k: &'static str| with_beat(format!("{k}        push: {{token: \"{TOKEN}\"}}\n"));
    let plain = check("");
    vec![
        key("storage.retention.raw", "retention", "1h", "100y", "storage:\n  retention:\n    raw: @\n", plain),
        key("storage.retention.hourly", "retention", "1h", "100y", "storage:\n  retention:\n    hourly: @\n", plain),
        key("storage.retention.daily", "retention", "1h", "100y", "storage:\n  retention:\n    daily: @\n", plain),
        key("defaults.interval", "interval", "1s", "1d", "defaults:\n  timeout: 1ms\n  interval: @\n", plain),
        key("defaults.timeout", "timeout", "1ms", "1h", "defaults:\n  interval: 1d\n  timeout: @\n", plain),
        key("defaults.degraded_after", "degraded_after", "1ms", "1h", "defaults:\n  degraded_after: @\n", plain),
        key("systems[0].checks[0].interval", "interval", "1s", "1d", "", push("        timeout: 1ms\n        interval: @\n")),
        key("systems[0].checks[0].timeout", "timeout", "1ms", "1h", "", check("        interval: 1d\n        timeout: @\n")),
        key("systems[0].checks[0].degraded_after", "degraded_after", "1ms", "1h", "", check("        degraded_after: @\n")),
        key(
            "systems[0].checks[0].push.max_silence",
            "max_silence",
            "1s",
            "31d",
            "",
            with_beat(format!("        push:\n          token: \"{TOKEN}\"\n          max_silence: @\n")),
        ),
        key(
            "systems[0].checks[0].expect.max_response_time",
            "max_response_time",
            "1ms",
            "1h",
            "",
            check("        expect:\n          max_response_time: @\n"),
        ),
        key("connection.window", "window", "1s", "31d", "connection:\n  window: @\n", plain),
        key("server.header_timeout", "header_timeout", "100ms", "10m", "server:\n  header_timeout: @\n", plain),
        key("server.idle_timeout", "idle_timeout", "1s", "1h", "server:\n  idle_timeout: @\n", plain),
        key("probing.canary_interval", "canary_interval", "1s", "1h", "probing:\n  canary_interval: @\n", plain),
        Key {
            zero: true,
            ..key("alerting.repeat_interval", "repeat_interval", "1m", "31d", "alerting:\n  repeat_interval: @\n", plain)
        },
        key(
            "alerting.receivers[0].webhook.timeout",
            "timeout",
            "1ms",
            "10m",
            "alerting:\n  receivers:\n    - name: ops\n      webhook:\n        url: http://127.0.0.1:9/hook\n        timeout: @\n",
            plain,
        ),
        key(
            "maintenance[0].duration",
            "duration",
            "1s",
            "31d",
            "maintenance:\n  - name: w\n    schedule: \"0 0 2 * * Sun\"\n    duration: @\n",
            plain,
        ),
    ]
}

/// The values every key is tried with, besides its longest and a second more.
const EXTREMES: [&str; 7] = [
    "0s",
    "1ms",
    "1s",
    "300000000000y",
    "18446744073709551615s",
    "9223372036854775808s",
    "99999999999d",
];

fn values(k: &Key) -> Vec<String> {
    let mut v: Vec<String> = EXTREMES.iter().map(|s| s.to_string()).collect();
    v.push(k.max.to_owned());
    v.push(format!("{} 1s", k.max));
    v
}

fn parse(s: &str) -> Duration {
    humantime::parse_duration(s).unwrap()
}

/// Writes the config of `k` with `value` into `dir`; returns the main file, and the
/// file, line and column where the value is.
fn write(dir: &Path, k: &Key, value: &str) -> (PathBuf, (PathBuf, usize, usize)) {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    let main = dir.join("emcd.yaml");
    let agency = dir.join("agencies/bo-tu-phap.yaml");
    let main_text = format!("{}include: [agencies/*.yaml]\n", k.main);
    let (file, template) = if k.main.contains('@') {
        (main.clone(), &main_text)
    } else {
        (agency.clone(), &k.agency.to_owned())
    };
    let (line, text) = template
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains('@'))
        .expect("a place for the value");
    let at = (file, line + 1, text.find('@').unwrap() + 1);
    std::fs::write(&main, main_text.replace('@', value)).unwrap();
    std::fs::write(&agency, k.agency.replace('@', value)).unwrap();
    (main, at)
}

/// The one error line expected for `value`, or `None` when it is within bounds.
fn expected(k: &Key, value: &str, (file, line, col): &(PathBuf, usize, usize)) -> Option<String> {
    let d = parse(value);
    let message = if d.is_zero() && k.zero {
        return None;
    } else if d < parse(k.min) {
        let never = if k.zero { "0 (never) or " } else { "" };
        format!("is too short: expected {never}at least {}", k.min)
    } else if d > parse(k.max) {
        format!("is too long: expected at most {}", k.max)
    } else {
        return None;
    };
    Some(format!(
        "{}:{line}:{col}: {}: {} {value} {message}",
        file.display(),
        k.path,
        k.what
    ))
}

fn emcd(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_emcd"))
        .args(args)
        .current_dir(dir)
        .env_remove("EMCD_CONFIG")
        .output()
        .expect("emcd runs")
}

#[test]
fn check_bounds_every_duration_key_and_never_panics() {
    let mut failures = Vec::new();
    let mut runs = 0;
    for k in keys() {
        for value in values(&k) {
            let dir = tempfile::tempdir().unwrap();
            let (main, at) = write(dir.path(), &k, &value);
            let out = emcd(dir.path(), &["check", "--config", main.to_str().unwrap()]);
            runs += 1;
            let stderr = String::from_utf8_lossy(&out.stderr);
            let case = format!("{} = {value}", k.path);
            if out.status.code() == Some(101) || stderr.contains("panicked") {
                failures.push(format!("{case}: panicked: {stderr}"));
                continue;
            }
            match expected(&k, &value, &at) {
                None if !out.status.success() => {
                    failures.push(format!("{case}: within bounds but refused: {stderr}"))
                }
                Some(line) if out.status.code() != Some(1) || stderr.trim_end() != line => failures
                    .push(format!(
                        "{case}: exit {:?}, expected the one line\n  {line}\ngot\n  {}",
                        out.status.code(),
                        stderr.trim_end()
                    )),
                _ => {}
            }
        }
    }
    assert_eq!(runs, keys().len() * 9);
    assert_eq!(keys().len(), 18, "every duration key of docs/limits.md");
    assert!(
        failures.is_empty(),
        "{} of {runs} cases wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// `emcd run` with this config: its exit status and output, waiting at most 20 s.
fn run_until_exit(dir: &Path, main: &Path) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_emcd"))
        .args(["run", "--listen", "127.0.0.1:0", "--config"])
        .arg(main)
        .current_dir(dir)
        .env_remove("EMCD_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("emcd starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            let out = child.wait_with_output().unwrap();
            panic!(
                "emcd run kept running with {}:\n{}",
                main.display(),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    (out.status.code(), text)
}

#[test]
fn run_refuses_out_of_bound_durations_with_the_message() {
    let cases = [
        ("storage.retention.raw", "500000000000y"),
        ("maintenance[0].duration", "99999999999d"),
        (
            "systems[0].checks[0].push.max_silence",
            "18446744073709551615s",
        ),
        ("systems[0].checks[0].interval", "300000000000y"),
        ("alerting.repeat_interval", "9223372036854775808s"),
    ];
    for (path, value) in cases {
        let k = keys().into_iter().find(|k| k.path == path).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let (main, at) = write(dir.path(), &k, value);
        let line = expected(&k, value, &at).expect("out of bounds");
        let (code, output) = run_until_exit(dir.path(), &main);
        assert_eq!(code, Some(1), "{path} = {value}:\n{output}");
        assert!(!output.contains("panicked"), "{output}");
        assert!(
            output.contains(&line),
            "{path} = {value}: expected\n{line}\nin\n{output}"
        );
        assert!(
            !dir.path().join("data").exists(),
            "{path} = {value}: the database was created"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_with_every_duration_at_its_longest_probes_and_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let target = support::start_target().await;
    std::fs::create_dir_all(dir.path().join("agencies")).unwrap();
    let main = dir.path().join("emcd.yaml");
    std::fs::write(
        &main,
        "storage:\n  path: emcd.db\n  retention: {raw: 100y, hourly: 100y, daily: 100y}\n\
         defaults: {interval: 1d, timeout: 1h, degraded_after: 1h}\n\
         connection: {window: 31d}\n\
         server: {header_timeout: 10m, idle_timeout: 1h}\n\
         alerting:\n  repeat_interval: 31d\n  receivers:\n\
         \x20   - {name: ops, webhook: {url: \"http://127.0.0.1:9/hook\", timeout: 10m}}\n\
         maintenance:\n  - {name: long, schedule: \"0 0 2 * * Sun\", duration: 31d, match: {check: [slow]}}\n\
         include: [agencies/*.yaml]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("agencies/bo-tu-phap.yaml"),
        format!(
            "{AGENCY_HEAD}        interval: 1s\n        timeout: 999ms\n\
             \x20       http: {{url: \"http://{addr}/ok\"}}\n\
             \x20       expect: {{max_response_time: 1h}}\n\
             \x20     - id: slow\n        http: {{url: \"http://{addr}/ok\"}}\n\
             \x20     - id: quiet\n        interval: 1s\n        timeout: 500ms\n\
             \x20       push: {{token: \"{TOKEN}\", max_silence: 31d}}\n",
            addr = target.addr
        ),
    )
    .unwrap();
    let out = emcd(dir.path(), &["check", "--config", main.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut d = support::Daemon::start(dir.path(), &main);
    d.wait_ready().await;
    // The 1 s check probes a few times, and the push check's rounds as often find it
    // silent for seconds, far less than 31 days; the 1 d check waits for its offset.
    let page = support::wait_metrics(&d, "three probes of the 1 s check", |s| {
        support::sample(
            s,
            "emcd_probes_total",
            &["check=\"portal\"", "result=\"up\""],
        )
        .is_some_and(|n| n >= 3.0)
    })
    .await;
    let s = support::samples(&page);
    assert_eq!(
        support::sample(
            &s,
            "emcd_probes_total",
            &["check=\"quiet\"", "result=\"down\""]
        ),
        Some(0.0),
        "a push check silent for seconds is not down with max_silence 31d"
    );
    let status = d.terminate();
    let log = d.log();
    assert!(status.success(), "exit {status:?}:\n{log}");
    assert!(!log.contains("panicked"), "{log}");
}
