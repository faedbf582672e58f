#!/usr/bin/env python3
"""The performance harness (run it through bench/run.sh; see docs/BENCHMARKS.md).

One run = one load (N checks, every S seconds, against nginx on 127.0.0.1) measured
twice over the same window of T seconds:

  emcd   target/release/emcd run, with /metrics scraped once per interval (so the
         metrics encoding is paid for, as under a real Prometheus);
  peer   prometheus-blackbox-exporter, driven by a real prometheus with N targets
         through the /probe?target=...&module=http_2xx relabel pattern.

Read from /proc: CPU (utime+stime of /proc/PID/stat), peak RSS (VmHWM), bytes written
(write_bytes of /proc/PID/io). Probes are counted by nginx (stub_status), the same
yardstick for both; emcd's own emcd_probes_total is reported beside it. Scheduler lag
p50/p99 comes from emcd_scheduler_lag_seconds over the window (and over each half of
it, to see whether lag grows); the peer's comparable figure is Prometheus's own
prometheus_target_interval_length_seconds p99 minus the interval.

Python 3 standard library only. Loopback only. Every process started here is stopped
on exit (and dies with the harness if the harness is killed: PR_SET_PDEATHSIG).
"""

import argparse
import math
import os
import shutil
import signal
import sqlite3
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# Re-exported: bench/cluster.py and bench/scrape_cpu.py use them as harness.NAME.
from benchlib import (  # noqa: E402,F401
    CLK_TCK, ROOT, Nginx, Processes, _libc, agency_system_check, clean_up, context_switches,
    cpu_seconds, diff, duration, family_lines, family_sum, free_port, http_get, results_sum,
    io_counters, keep_run, lag_buckets, quantile, status_kib, timeout_for, wait_http_ok,
    write_emcd_config, write_peer_config)
from report import fmt, med, table  # noqa: E402,F401
import stack  # noqa: E402



# ---------------------------------------------------------------- one emcd run


def run_emcd(args, procs, nginx, work, log):
    d = os.path.join(work, "emcd")
    os.makedirs(d)
    port = free_port()
    cfg = write_emcd_config(d, args.checks, args.interval, nginx, port,
                            getattr(args, "metrics_profile", "full"))
    base = f"http://127.0.0.1:{port}"
    polls = 0
    before = nginx.requests()
    t_spawn = time.monotonic()
    p = procs.start("emcd", [args.emcd, "run", "--config", cfg], os.path.join(d, "emcd.log"))
    # Time to the first probe: the first request nginx sees that is not one of ours.
    first = None
    while time.monotonic() - t_spawn < 60:
        if p.poll() is not None:
            raise RuntimeError(f"emcd exited with {p.returncode}; see {d}/emcd.log")
        polls += 1
        if nginx.requests() - polls > before:
            first = time.monotonic() - t_spawn
            break
        time.sleep(0.005)
    if first is None:
        raise RuntimeError("emcd made no probe within 60 s")
    wait_http_ok(base + "/readyz", p, 60, "emcd")
    log(f"  emcd: first probe after {first:.2f} s; warming up {args.warmup:.0f} s")
    time.sleep(args.warmup)

    scrape_every = args.scrape or args.interval
    profiler = None
    if args.perf:
        # A sampling profile of emcd over the window (software clock: works in a VM).
        profiler = procs.start("perf", ["perf", "record", "-e", "cpu-clock", "-F", "999", "-g",
                                        "-p", str(p.pid), "-o", args.perf],
                               os.path.join(d, "perf.log"))
        time.sleep(1.0)
    elif getattr(args, "strace", None):
        # Syscalls by kind over the window (ptrace slows emcd: this run's CPU is not a figure).
        profiler = procs.start("strace", ["strace", "-c", "-f", "-o", args.strace,
                                          "-p", str(p.pid)], os.path.join(d, "strace.log"))
        time.sleep(2.0)
    cs0 = context_switches(p.pid)
    cpu0, io0, req0, t0 = cpu_seconds(p.pid), io_counters(p.pid), nginx.requests(), time.monotonic()
    m0 = http_get(base + "/metrics")[1]
    lag0 = lag_buckets(m0)
    probes0 = results_sum(m0)
    lag_mid, scrapes, encode_s = None, 1, []
    next_scrape = t0 + scrape_every
    while True:
        now = time.monotonic()
        if now >= t0 + args.seconds:
            break
        if now >= next_scrape:
            ts = time.monotonic()
            body = http_get(base + "/metrics")[1]
            encode_s.append(time.monotonic() - ts)
            scrapes += 1
            next_scrape += scrape_every
            if lag_mid is None and now >= t0 + args.seconds / 2:
                lag_mid = lag_buckets(body)
            del body
        time.sleep(min(0.2, max(0.0, min(next_scrape, t0 + args.seconds) - time.monotonic())))
    cpu1, io1, req1, t1 = cpu_seconds(p.pid), io_counters(p.pid), nginx.requests(), time.monotonic()
    cs1 = context_switches(p.pid)
    if profiler:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(30)
        procs.stop(profiler)
    ts = time.monotonic()
    m1 = http_get(base + "/metrics")[1]
    encode_s.append(time.monotonic() - ts)
    # As Prometheus scrapes: gzip asked for, the time to the last byte.
    gzip_s = []
    for _ in range(3):
        ts = time.monotonic()
        http_get(base + "/metrics", headers={"Accept-Encoding": "gzip"})
        gzip_s.append(time.monotonic() - ts)
    hwm = status_kib(p.pid, "VmHWM")
    lag1 = lag_buckets(m1)
    probes1 = results_sum(m1)
    pending = family_sum(m1, b"emcd_store_pending_results")
    page_bytes = len(m1)
    del m0, m1

    stacks = []
    for i, every in enumerate(getattr(args, "emcd_prometheus", None) or []):
        stacks.append(stack.prometheus_window(args, procs, nginx, p, port,
                                              os.path.join(d, f"prometheus{i}"), every, log))

    t_stop = time.monotonic()
    code = procs.stop(p, grace=60)
    stop_s = time.monotonic() - t_stop
    if code != 0:
        raise RuntimeError(f"emcd exited with {code}; see {d}/emcd.log")
    db = os.path.join(d, "emcd.db")
    rows, table_bytes = db_stats(db)
    files = sum(os.path.getsize(db + s) for s in ("", "-wal", "-shm") if os.path.exists(db + s))

    window = t1 - t0
    probes = req1 - req0 - 1  # the closing stub_status request counts itself
    whole = diff(lag0, lag1)
    half = lag_mid and (diff(lag0, lag_mid), diff(lag_mid, lag1))
    written = io1["write_bytes"] - io0["write_bytes"]
    own = probes1 - probes0
    if own <= 0:  # a profile without emcd_probes_total (lean): nginx's count instead
        own = probes
    return {
        "system": "emcd",
        "window_s": window,
        "probes": probes,
        "probes_per_s": probes / window,
        "emcd_probes_total": own,
        "cpu_s": cpu1 - cpu0,
        "cpu_ms_per_probe": 1000 * (cpu1 - cpu0) / max(probes, 1),
        "cores": (cpu1 - cpu0) / window,
        "sleeps_per_probe": (cs1 - cs0) / max(probes, 1),
        "rss_mib": hwm / 1024,
        "rss_kib_per_check": hwm / args.checks,
        "lag_p50_ms": 1000 * quantile(0.5, whole),
        "lag_p99_ms": 1000 * quantile(0.99, whole),
        "lag_p99_first_half_ms": 1000 * quantile(0.99, half[0]) if half else float("nan"),
        "lag_p99_second_half_ms": 1000 * quantile(0.99, half[1]) if half else float("nan"),
        "first_probe_s": first,
        "write_bytes_per_result": written / max(own, 1),
        "wchar_per_result": (io1["wchar"] - io0["wchar"]) / max(own, 1),
        "db_rows": rows,
        "db_bytes_per_result": table_bytes / rows if rows else float("nan"),
        "db_file_bytes": files,
        "pending_at_end": pending,
        "metrics_scrapes": scrapes,
        "metrics_page_mib": page_bytes / 2**20,
        "metrics_scrape_ms_max": 1000 * max(encode_s),
        "metrics_gzip_scrape_ms": [1000 * g for g in gzip_s],
        "metrics_gzip_scrape_ms_median": 1000 * sorted(gzip_s)[1],
        "shutdown_s": stop_s,
        "stack": stacks,
    }


def db_stats(path):
    """(raw result rows, bytes of the results table's pages) of a stopped emcd's database."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT count(*) FROM results").fetchone()[0]
        try:
            size = con.execute("SELECT sum(pgsize) FROM dbstat WHERE name = 'results'").fetchone()[0]
        except sqlite3.OperationalError:  # no dbstat: the whole file, an upper bound
            size = os.path.getsize(path)
        return rows, size or 0
    finally:
        con.close()


# ---------------------------------------------------------------- one peer run


def run_peer(args, procs, nginx, work, log):
    d = os.path.join(work, "peer")
    bb_port, prom_port = free_port(), free_port()
    write_peer_config(d, args.checks, args.interval, nginx, bb_port)
    bb = procs.start("blackbox", ["prometheus-blackbox-exporter",
                                  f"--config.file={d}/blackbox.yml",
                                  f"--web.listen-address=127.0.0.1:{bb_port}", "--log.level=warn"],
                     os.path.join(d, "blackbox.log"))
    wait_http_ok(f"http://127.0.0.1:{bb_port}/metrics", bb, 30, "blackbox exporter")
    prom = procs.start("prometheus", ["prometheus", f"--config.file={d}/prometheus.yml",
                                      f"--storage.tsdb.path={d}/tsdb",
                                      f"--web.listen-address=127.0.0.1:{prom_port}",
                                      "--log.level=warn"],
                       os.path.join(d, "prometheus.log"))
    wait_http_ok(f"http://127.0.0.1:{prom_port}/-/ready", prom, 60, "prometheus")
    warm = args.interval + args.warmup
    log(f"  peer: blackbox exporter + prometheus ready; warming up {warm:.0f} s")
    time.sleep(warm)
    c0 = (cpu_seconds(bb.pid), cpu_seconds(prom.pid))
    req0, t0 = nginx.requests(), time.monotonic()
    time.sleep(args.seconds)
    c1 = (cpu_seconds(bb.pid), cpu_seconds(prom.pid))
    req1, t1 = nginx.requests(), time.monotonic()
    bb_hwm, prom_hwm = status_kib(bb.pid, "VmHWM"), status_kib(prom.pid, "VmHWM")
    body = http_get(f"http://127.0.0.1:{prom_port}/metrics")[1]
    jitter = float("nan")
    for line in family_lines(body, b"prometheus_target_interval_length_seconds"):
        if b'quantile="0.99"' in line:
            jitter = abs(float(line.rsplit(b" ", 1)[1]) - args.interval)
    procs.stop(prom, grace=30)
    procs.stop(bb, grace=10)
    window = t1 - t0
    probes = req1 - req0 - 1
    cpu_bb, cpu_prom = c1[0] - c0[0], c1[1] - c0[1]
    return {
        "system": "peer",
        "window_s": window,
        "probes": probes,
        "probes_per_s": probes / window,
        "cpu_s": cpu_bb + cpu_prom,
        "cpu_ms_per_probe": 1000 * (cpu_bb + cpu_prom) / max(probes, 1),
        "exporter_cpu_ms_per_probe": 1000 * cpu_bb / max(probes, 1),
        "prometheus_cpu_ms_per_probe": 1000 * cpu_prom / max(probes, 1),
        "cores": (cpu_bb + cpu_prom) / window,
        "rss_mib": bb_hwm / 1024,
        "rss_kib_per_check": bb_hwm / args.checks,
        "prometheus_rss_mib": prom_hwm / 1024,
        "prometheus_rss_kib_per_check": prom_hwm / args.checks,
        "lag_p99_ms": 1000 * jitter,
    }


# ---------------------------------------------------------------- main


def intervals(text):
    """"15,5" -> [15.0, 5.0] (the --emcd-prometheus scrape intervals, seconds)."""
    out = [float(x) for x in text.split(",") if x.strip()]
    if any(v <= 0 for v in out):
        raise argparse.ArgumentTypeError("scrape intervals must be positive")
    return out


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checks", type=int, default=5000)
    ap.add_argument("--interval", type=float, default=5.0, help="seconds")
    ap.add_argument("--seconds", type=float, default=30.0, help="measured window")
    ap.add_argument("--warmup", type=float, default=5.0, help="seconds before the window")
    ap.add_argument("--scrape", type=float, default=0.0,
                    help="scrape emcd's /metrics this often (default: the interval)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--peer", choices=["auto", "yes", "no"], default="yes")
    ap.add_argument("--smoke", action="store_true",
                    help="about 2,000 checks for 20 s; the peer only if installed")
    ap.add_argument("--emcd", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "emcd"))
    ap.add_argument("--json", help="also write every run's figures to this file")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--perf", metavar="FILE",
                    help="record a perf profile (cpu-clock, call graphs) of emcd over the window")
    ap.add_argument("--strace", metavar="FILE",
                    help="count emcd's syscalls over the window (strace -c -f; slows emcd: "
                    "that run's CPU figures do not count); with --floor, wrk's too (FILE.wrkN)")
    ap.add_argument("--emcd-prometheus", metavar="SECONDS,...", type=intervals, default=[],
                    help="after emcd's window, one more window per interval with a real "
                    "prometheus scraping emcd that often (and no harness scrape): the whole "
                    "stack, e.g. 15,5")
    ap.add_argument("--floor", action="store_true",
                    help="also run wrk against the same nginx, a new connection per request: "
                    "its CPU per request is the floor column")
    ap.add_argument("--floor-seconds", type=float, default=10.0)
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="MAX_SECONDS",
                    help="before each run, wait until no rustc runs and the CPUs are at most "
                    "20%% busy (polled every 10 s), at most this long")
    ap.add_argument("--metrics-profile", choices=["full", "lean"], default="full",
                    help="lean writes `metrics: per_check: lean` into emcd's config")
    a = ap.parse_args(argv)
    if a.smoke:
        a.checks, a.interval, a.seconds, a.warmup, a.peer = 2000, 5.0, 20.0, 3.0, \
            ("auto" if a.peer == "yes" else a.peer)
    return a


def main(argv):
    args = parse_args(argv)
    if not shutil.which("nginx"):  # Debian's is in /usr/sbin, not always on PATH
        os.environ["PATH"] += os.pathsep + "/usr/sbin"
    for need in ["nginx", args.emcd]:
        if not shutil.which(need):
            sys.exit(f"harness: {need} not found (apt-get install nginx; cargo build --release)")
    have_peer = all(shutil.which(b) for b in ["prometheus", "prometheus-blackbox-exporter"])
    if args.peer == "yes" and not have_peer:
        sys.exit("harness: --peer yes needs prometheus and prometheus-blackbox-exporter")
    peer = args.peer == "yes" or (args.peer == "auto" and have_peer)
    if args.emcd_prometheus and not shutil.which("prometheus"):
        sys.exit("harness: --emcd-prometheus needs prometheus (apt-get install prometheus)")
    if args.floor and not shutil.which("wrk"):
        sys.exit("harness: --floor needs wrk (apt-get install wrk)")

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    procs = Processes()

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    work = tempfile.mkdtemp(prefix="emcd-bench-")
    runs = []
    try:
        for i in range(args.repeat):
            run_dir = os.path.join(work, f"run{i}")
            os.makedirs(run_dir)
            quiet = stack.wait_quiet(args.wait_quiet, log) if args.wait_quiet > 0 else None
            log(f"run {i + 1}/{args.repeat}: {args.checks} checks every {args.interval:g} s, "
                f"window {args.seconds:g} s; load average {os.getloadavg()[0]:.2f}")
            nginx = Nginx(procs, run_dir)
            run = {"load_avg_1m": os.getloadavg()[0], "quiet": quiet}
            watch = stack.BusyWatch()
            run["emcd"] = run_emcd(args, procs, nginx, run_dir, log)
            if peer:
                run["peer"] = run_peer(args, procs, nginx, run_dir, log)
            if args.floor:
                run["floor"] = stack.wrk_floor(
                    procs, nginx, args.floor_seconds, os.path.join(run_dir, "floor"), log,
                    strace=args.strace and f"{args.strace}.wrk{i}")
            run["load_avg_1m_end"] = os.getloadavg()[0]
            run["rustc_share"] = watch.stop()
            procs.stop(nginx.proc, grace=10)
            keep_run(args, runs, run, table, log)
        print(table(args, runs))
        if any(r["emcd"]["probes"] <= 0 for r in runs):
            sys.exit("harness: emcd made no probe in the window")
    finally:
        clean_up(procs, args, work, log)


if __name__ == "__main__":
    main(sys.argv[1:])
