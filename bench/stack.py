"""The whole stack and the floor (issue 18, part 1), for bench/harness.py.

  prometheus_window   a real Prometheus (Debian's) scraping emcd's /metrics every E
                      seconds, its own data directory and free 127.0.0.1 port, no remote;
                      after a warm-up of 2 E + 5 s, emcd's and Prometheus's CPU
                      (utime+stime) over a window of T seconds, the probes nginx counted,
                      Prometheus's peak RSS, and what Prometheus saw of the scrape
                      (scrape_duration_seconds, scrape_samples_scraped, via its query API).
                      The harness's own /metrics scrapes do not run in this window.
  wrk_floor           wrk, one thread, one connection, `Connection: close` (a new TCP
                      connection per request), for a fixed time against the same nginx:
                      wrk's own CPU per request (its rusage from wait4), the client-side
                      floor of any prober that opens a connection per probe.
  wait_quiet          waits (bounded) until no rustc runs, so builds do not share the
                      window.

Python 3 standard library only. Loopback only; every process started here is stopped
(by its pid) before the function returns, and dies with the harness (PR_SET_PDEATHSIG).
"""

import json
import os
import shlex
import signal
import subprocess
import threading
import time
import urllib.parse

from benchlib import (cpu_seconds, duration, free_port, http_get, lag_buckets, diff,
                      quantile, status_kib, wait_http_ok, _die_with_harness)


def machine_busy(seconds=5.0):
    """Share of all CPUs busy over `seconds` (/proc/stat): between runs, when nothing of
    the harness's runs, that is everyone else's load (builds, their tests)."""
    def read():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait
    t0, i0 = read()
    time.sleep(seconds)
    t1, i1 = read()
    return 1 - (i1 - i0) / max(t1 - t0, 1)


def wait_quiet(max_s, log, max_busy=0.2):
    """Polls every 10 s until no rustc runs and the machine is at most `max_busy` busy
    (over 5 s), for at most max_s seconds."""
    t0 = time.monotonic()
    announced = False
    while True:
        busy = subprocess.run(["pgrep", "-x", "rustc"], stdout=subprocess.DEVNULL).returncode == 0
        share = machine_busy()
        busy = busy or share > max_busy
        waited = time.monotonic() - t0
        if not busy:
            if announced:
                log(f"  quiet after {waited:.0f} s")
            return {"waited_s": waited, "quiet": True, "busy_before": share}
        if waited >= max_s:
            log(f"  still busy after {waited:.0f} s ({share:.0%} of the CPUs): measuring "
                "anyway (loaded)")
            return {"waited_s": waited, "quiet": False, "busy_before": share}
        if not announced:
            log(f"  rustc running or CPUs {share:.0%} busy: waiting for the machine to be quiet")
            announced = True
        time.sleep(10)


class BusyWatch:
    """Samples `pgrep -x rustc` every 5 s in a thread: the share of samples during a run
    when a build was compiling (0 = quiet throughout)."""

    def __init__(self):
        self.samples, self.busy = 0, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            r = subprocess.run(["pgrep", "-x", "rustc"], stdout=subprocess.DEVNULL)
            self.samples += 1
            self.busy += r.returncode == 0
            self._stop.wait(5)

    def stop(self):
        self._stop.set()
        self._thread.join(15)
        return self.busy / max(self.samples, 1)


def _query(port, expr):
    """One instant query to Prometheus; the first sample's value, or nan."""
    url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    try:
        res = json.loads(http_get(url, timeout=30)[1])["data"]["result"]
        return float(res[0]["value"][1]) if res else float("nan")
    except (OSError, ValueError, KeyError, IndexError):
        return float("nan")


def prometheus_window(args, procs, nginx, emcd, emcd_port, d, every, log):
    """emcd scraped by its own Prometheus every `every` s; figures over one window."""
    os.makedirs(d)
    port = free_port()
    with open(os.path.join(d, "prometheus.yml"), "w") as f:
        f.write(f"""global:
  scrape_interval: {duration(every)}
  scrape_timeout: {duration(min(every, 10.0))}
scrape_configs:
  - job_name: emcd
    static_configs:
      - targets: ["127.0.0.1:{emcd_port}"]
""")
    prom = procs.start("prometheus", ["prometheus", f"--config.file={d}/prometheus.yml",
                                      f"--storage.tsdb.path={d}/tsdb",
                                      f"--web.listen-address=127.0.0.1:{port}",
                                      "--log.level=warn"],
                       os.path.join(d, "prometheus.log"))
    try:
        wait_http_ok(f"http://127.0.0.1:{port}/-/ready", prom, 60, "prometheus")
        warm = 2 * every + 5
        log(f"  emcd + its prometheus (scrape every {every:g} s): warming up {warm:.0f} s")
        time.sleep(warm)
        base = f"http://127.0.0.1:{emcd_port}/metrics"
        lag0 = lag_buckets(http_get(base)[1])  # outside the CPU window
        c0 = (cpu_seconds(emcd.pid), cpu_seconds(prom.pid))
        req0, t0 = nginx.requests(), time.monotonic()
        time.sleep(args.seconds)
        c1 = (cpu_seconds(emcd.pid), cpu_seconds(prom.pid))
        req1, t1 = nginx.requests(), time.monotonic()
        lag1 = lag_buckets(http_get(base)[1])
        hwm = status_kib(prom.pid, "VmHWM")
        span = f"{max(1, int(round(t1 - t0)))}s"
        seen = {
            "scrape_ms_max": 1000 * _query(port, f'max_over_time(scrape_duration_seconds{{job="emcd"}}[{span}])'),
            "scrape_ms_median": 1000 * _query(port, f'quantile_over_time(0.5, scrape_duration_seconds{{job="emcd"}}[{span}])'),
            "samples_per_scrape": _query(port, 'scrape_samples_scraped{job="emcd"}'),
            "scrapes": _query(port, f'count_over_time(up{{job="emcd"}}[{span}])'),
            "up": _query(port, 'up{job="emcd"}'),
        }
    finally:
        procs.stop(prom, grace=30)
    window = t1 - t0
    probes = req1 - req0 - 1  # the closing stub_status request counts itself
    cpu_e, cpu_p = c1[0] - c0[0], c1[1] - c0[1]
    lag = diff(lag0, lag1)
    out = {
        "scrape_every_s": every,
        "window_s": window,
        "probes": probes,
        "probes_per_s": probes / window,
        "emcd_cpu_ms_per_probe": 1000 * cpu_e / max(probes, 1),
        "prometheus_cpu_ms_per_probe": 1000 * cpu_p / max(probes, 1),
        "cpu_ms_per_probe": 1000 * (cpu_e + cpu_p) / max(probes, 1),
        "cores": (cpu_e + cpu_p) / window,
        "prometheus_rss_mib": hwm / 1024,
        "emcd_rss_mib": status_kib(emcd.pid, "VmHWM") / 1024,
        "lag_p50_ms": 1000 * quantile(0.5, lag),
        "lag_p99_ms": 1000 * quantile(0.99, lag),
        "samples_per_check": seen["samples_per_scrape"] / args.checks,
    }
    out.update(seen)
    return out


def wrk_floor(procs, nginx, seconds, d, log, strace=None):
    """wrk's own CPU per request, a new connection each, against the same nginx. With
    `strace` (a file), wrk runs under `strace -c -f` (its syscalls per request; its CPU
    figure then includes strace's and does not count)."""
    os.makedirs(d, exist_ok=True)
    argv = ["wrk", "-t1", "-c1", f"-d{int(seconds)}s", "--timeout", "2s",
            "-H", "Connection: close", nginx.url("/floor")]
    if strace:
        argv = ["strace", "-c", "-f", "-o", strace] + argv
    log(f"  floor: {shlex.join(argv)}")
    req0, t0 = nginx.requests(), time.monotonic()
    p = procs.start("wrk", argv, os.path.join(d, "wrk.log"))
    # Bounded: wrk stops itself after -d; if it does not, it is killed 30 s later.
    # (os.kill, not p.poll: the pid stays wrk's until wait4 below reaps it.)
    guard = threading.Timer(seconds + 30, lambda: os.kill(p.pid, signal.SIGKILL))
    guard.start()
    try:
        _, status, ru = os.wait4(p.pid, 0)  # its rusage, before Popen reaps it
    finally:
        guard.cancel()
    p.returncode = os.waitstatus_to_exitcode(status)
    procs.stop(p)
    t1, req1 = time.monotonic(), nginx.requests()
    with open(os.path.join(d, "wrk.log")) as f:
        text = f.read()
    if p.returncode != 0:
        raise RuntimeError(f"wrk exited with {p.returncode}: {text}")
    requests = req1 - req0 - 1
    cpu = ru.ru_utime + ru.ru_stime
    errors = 0
    for line in text.splitlines():
        if "Socket errors" in line or "Non-2xx" in line:
            errors += sum(int(w.strip(",")) for w in line.split() if w.strip(",").isdigit())
    return {
        "requests": requests,
        "requests_per_s": requests / (t1 - t0),
        "cpu_s": cpu,
        "cpu_ms_per_request": 1000 * cpu / max(requests, 1),
        "user_ms_per_request": 1000 * ru.ru_utime / max(requests, 1),
        "sys_ms_per_request": 1000 * ru.ru_stime / max(requests, 1),
        "errors": errors,
    }
