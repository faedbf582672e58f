//! The browser probe's cost (docs/BENCHMARKS.md, "Page loads"), not a test of behaviour:
//! ignored by default, run by hand:
//!
//! ```sh
//! EMCD_BENCH_LOADS=1000 cargo test --release --test bench_browser -- --ignored --nocapture
//! ```
//!
//! Loads a loopback page (`/page/hero?delay=300`: a heading and a 37 KB image 300 ms
//! late) `EMCD_BENCH_LOADS` times (default 200) through one prober with
//! `max_concurrent` 2, two loads always in flight, and prints every 100 loads: loads per
//! minute, CPU seconds of Chromium's process tree per load (user + system, with its
//! reaped children), and the tree's resident memory (RSS summed over its processes, so
//! shared pages count more than once: an upper bound).

mod support;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use emcd::config::{BrowserSpec, PageExpect, ProbingBrowser, Viewport};
use emcd::result::ResultKind;
use support::*;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a benchmark: run by hand with --ignored"]
async fn page_loads_cost() {
    let loads: usize = std::env::var("EMCD_BENCH_LOADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/page/hero?delay=300",
        listener.local_addr().unwrap()
    );
    let stop = CancellationToken::new();
    let _stop = stop.clone().drop_guard();
    tokio::spawn(emcd::demo::web_pages::serve(listener, stop));
    let settings = ProbingBrowser {
        executable: Some(PathBuf::from("/usr/bin/chromium")),
        max_concurrent: 2,
    };
    let prober = prober(&[]).with_browser(&settings);
    let spec = BrowserSpec {
        url: url.parse().unwrap(),
        viewport: Viewport::DESKTOP,
        expect: PageExpect::CRITERIA,
    };
    let policy = policy(Duration::from_secs(30), Duration::from_secs(3));
    let browser = prober.chromium().unwrap();
    let started = Instant::now();
    let (mut done, mut failed) = (0usize, 0usize);
    let mut cpu_before = None;
    let mut window = (Instant::now(), 0.0, 0usize);
    println!("loads  loads/min  cpu_ms/load  tree_rss_mib  processes  launches");
    while done < loads {
        let (a, b) = tokio::join!(
            prober.browser(&spec, &policy),
            prober.browser(&spec, &policy)
        );
        for o in [a, b] {
            done += 1;
            failed += usize::from(o.result != ResultKind::Up);
        }
        let pid = browser.pid().await.unwrap();
        if cpu_before.is_none() {
            cpu_before = Some(tree(pid).0);
            window = (Instant::now(), tree(pid).0, done);
        }
        if done % 100 == 0 {
            let (cpu, rss, n) = tree(pid);
            let per_min = (done - window.2) as f64 / window.0.elapsed().as_secs_f64() * 60.0;
            let cpu_per = (cpu - window.1) / (done - window.2) as f64 * 1000.0;
            println!(
                "{done:>5}  {per_min:>9.0}  {cpu_per:>11.0}  {:>12.0}  {n:>9}  {:>8}",
                rss as f64 / 1048576.0,
                browser.launches()
            );
            window = (Instant::now(), cpu, done);
        }
    }
    let minutes = started.elapsed().as_secs_f64() / 60.0;
    println!(
        "{done} loads in {minutes:.1} min ({:.0}/min), {failed} not up",
        done as f64 / minutes
    );
    assert_eq!(failed, 0);
}

/// CPU seconds (user + system + reaped children) and RSS bytes summed over `root` and its
/// descendants, and how many processes that is.
fn tree(root: u32) -> (f64, u64, usize) {
    let tick = 100.0; // USER_HZ on Linux
    let mut procs: Vec<(u32, u32, f64, u64)> = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        let Some(rest) = stat.rsplit_once(") ").map(|(_, r)| r) else {
            continue;
        };
        let f: Vec<&str> = rest.split(' ').collect();
        let num = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
        // After the command: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14) ... rss(21)
        let cpu = (num(11) + num(12) + num(13) + num(14)) / tick;
        let rss = num(21) as u64 * 4096;
        procs.push((pid, num(1) as u32, cpu, rss));
    }
    let mut members = vec![root];
    let mut i = 0;
    while i < members.len() {
        let parent = members[i];
        members.extend(procs.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    let mine = procs.iter().filter(|p| members.contains(&p.0));
    let (cpu, rss, n) = mine.fold((0.0, 0, 0), |(c, r, n), p| (c + p.2, r + p.3, n + 1));
    (cpu, rss, n)
}
