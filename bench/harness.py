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
import ctypes
import json
import math
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLK_TCK = os.sysconf("SC_CLK_TCK")
CHECKS_PER_SYSTEM = 100
SYSTEMS_PER_AGENCY = 10

_libc = ctypes.CDLL(None, use_errno=True)


def _die_with_harness():
    """preexec_fn: the child gets SIGKILL if the harness dies without cleaning up."""
    _libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class Processes:
    """Every process the harness started; stop_all() ends each of them by its pid."""

    def __init__(self):
        self.procs = []

    def start(self, name, argv, log):
        out = open(log, "wb")
        p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, preexec_fn=_die_with_harness)
        out.close()
        self.procs.append((name, p))
        return p

    def stop(self, p, grace=60.0):
        """SIGTERM, wait up to `grace` seconds, then SIGKILL. Returns the exit code."""
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs = [(n, q) for n, q in self.procs if q is not p]
        return p.returncode

    def stop_all(self):
        for _, p in reversed(list(self.procs)):
            self.stop(p, grace=10.0)


# ---------------------------------------------------------------- /proc and HTTP


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def status_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def context_switches(pid):
    """Voluntary context switches of all the process's live threads (each is a thread
    going to sleep: a park, an epoll_wait, a futex wait)."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            total += status_kib(f"{pid}/task/{tid}", "voluntary_ctxt_switches")
        except FileNotFoundError:
            pass
    return total


def io_counters(pid):
    with open(f"/proc/{pid}/io") as f:
        return {k: int(v) for k, v in (line.split(": ") for line in f)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=120.0, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.read()


def wait_http_ok(url, proc, deadline_s, what):
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode} while starting")
        try:
            if http_get(url, timeout=2.0)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{what} not ready after {deadline_s} s ({url})")


# ---------------------------------------------------------------- nginx


class Nginx:
    """nginx from Debian with a config of its own: one tiny static 200 response."""

    def __init__(self, procs, work):
        self.dir = os.path.join(work, "nginx")
        os.makedirs(os.path.join(self.dir, "tmp"))
        self.port = free_port()
        t = os.path.join(self.dir, "tmp")
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""daemon off;
master_process on;
worker_processes 1;
worker_rlimit_nofile 16384;
pid {self.dir}/nginx.pid;
error_log {self.dir}/error.log warn;
events {{ worker_connections 8192; }}
http {{
  access_log off;
  client_body_temp_path {t}/body;
  proxy_temp_path {t}/proxy;
  fastcgi_temp_path {t}/fastcgi;
  uwsgi_temp_path {t}/uwsgi;
  scgi_temp_path {t}/scgi;
  server {{
    listen 127.0.0.1:{self.port} backlog=4096;
    location = /nginx_status {{ stub_status; }}
    location / {{ default_type text/plain; return 200 "ok\\n"; }}
  }}
}}
""")
        self.proc = procs.start("nginx", ["nginx", "-p", self.dir, "-c", conf, "-e",
                                          os.path.join(self.dir, "error.log")],
                                os.path.join(self.dir, "stdout.log"))
        wait_http_ok(self.url("/"), self.proc, 10, "nginx")

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def requests(self):
        """Requests nginx has handled, this one included."""
        body = http_get(self.url("/nginx_status"), timeout=5.0)[1].decode()
        return int(body.splitlines()[2].split()[2])


# ---------------------------------------------------------------- configs


def duration(seconds):
    return f"{int(round(seconds * 1000))}ms"


def timeout_for(interval):
    return min(10.0, interval / 2)


def target_path(i):
    a, s, c = agency_system_check(i)
    return f"/{a}/{s}/{c}"


def agency_system_check(i):
    per_agency = CHECKS_PER_SYSTEM * SYSTEMS_PER_AGENCY
    return (f"a{i // per_agency:04d}", f"s{(i // CHECKS_PER_SYSTEM) % SYSTEMS_PER_AGENCY:02d}",
            f"c{i % CHECKS_PER_SYSTEM:03d}")


def write_emcd_config(d, checks, interval, nginx, listen):
    """emcd.yaml and one file per 1,000 checks (10 systems of 100 http checks)."""
    os.makedirs(os.path.join(d, "agencies"))
    with open(os.path.join(d, "emcd.yaml"), "w") as f:
        f.write(f"""server: {{listen: "127.0.0.1:{listen}"}}
storage: {{path: "{d}/emcd.db"}}
probing: {{max_in_flight: 1024, user_agent: "emcd-bench"}}
defaults: {{interval: {duration(interval)}, timeout: {duration(timeout_for(interval))}}}
alerting: {{repeat_interval: 0s}}
include: [agencies/*.yaml]
""")
    per_agency = CHECKS_PER_SYSTEM * SYSTEMS_PER_AGENCY
    for a in range(math.ceil(checks / per_agency)):
        lines = [f'agency: {{id: a{a:04d}, code: "A{a}", name: "Bench agency {a}", kind: province}}',
                 "systems:"]
        first = a * per_agency
        for s in range(SYSTEMS_PER_AGENCY):
            lo = first + s * CHECKS_PER_SYSTEM
            hi = min(lo + CHECKS_PER_SYSTEM, checks)
            if lo >= hi:
                break
            lines.append(f'  - {{id: s{s:02d}, name: "System {s}", kind: tthc, checks: [')
            for i in range(lo, hi):
                url = nginx.url(target_path(i))
                lines.append(f'      {{id: c{i % CHECKS_PER_SYSTEM:03d}, http: {{url: "{url}"}}}},')
            lines.append("    ]}")
        with open(os.path.join(d, "agencies", f"a{a:04d}.yaml"), "w") as f:
            f.write("\n".join(lines) + "\n")
    return os.path.join(d, "emcd.yaml")


def write_peer_config(d, checks, interval, nginx, exporter_port):
    os.makedirs(d)
    t = duration(timeout_for(interval))
    with open(os.path.join(d, "blackbox.yml"), "w") as f:
        f.write(f"""modules:
  http_2xx:
    prober: http
    timeout: {t}
    http:
      preferred_ip_protocol: ip4
""")
    targets = [nginx.url(target_path(i)) for i in range(checks)]
    with open(os.path.join(d, "targets.json"), "w") as f:
        json.dump([{"targets": targets}], f)
    with open(os.path.join(d, "prometheus.yml"), "w") as f:
        f.write(f"""global:
  scrape_interval: {duration(interval)}
  scrape_timeout: {t}
scrape_configs:
  - job_name: blackbox
    metrics_path: /probe
    params: {{module: [http_2xx]}}
    file_sd_configs:
      - files: ["{d}/targets.json"]
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: "127.0.0.1:{exporter_port}"
""")


# ---------------------------------------------------------------- /metrics


def family_lines(body, name):
    """The sample lines of one family of a Prometheus text page (found, not split)."""
    start = body.find(b"\n# TYPE " + name + b" ")
    if start < 0:
        return []
    out = []
    pos = body.find(b"\n", start + 1) + 1
    while pos < len(body) and not body.startswith(b"#", pos):
        end = body.find(b"\n", pos)
        end = len(body) if end < 0 else end
        out.append(body[pos:end])
        pos = end + 1
    return out


def lag_buckets(body):
    """{le: cumulative count} of emcd_scheduler_lag_seconds."""
    out = {}
    for line in family_lines(body, b"emcd_scheduler_lag_seconds"):
        if line.startswith(b"emcd_scheduler_lag_seconds_bucket{"):
            le = line.split(b'le="', 1)[1].split(b'"', 1)[0].decode()
            out[float(le)] = float(line.rsplit(b" ", 1)[1])
    return out


def quantile(q, buckets):
    """histogram_quantile over {le: cumulative count}, interpolated inside a bucket."""
    les = sorted(buckets)
    total = buckets[les[-1]] if les else 0
    if total <= 0:
        return float("nan")
    rank = q * total
    prev_le, prev_c = 0.0, 0.0
    for le in les:
        c = buckets[le]
        if c >= rank:
            if math.isinf(le):
                return prev_le
            return prev_le + (le - prev_le) * ((rank - prev_c) / max(c - prev_c, 1e-9))
        prev_le, prev_c = le, c
    return les[-1]


def diff(a, b):
    return {k: b.get(k, 0) - a.get(k, 0) for k in b}


def family_sum(body, name):
    return sum(float(line.rsplit(b" ", 1)[1]) for line in family_lines(body, name)
               if line.startswith(name))


# ---------------------------------------------------------------- one emcd run


def run_emcd(args, procs, nginx, work, log):
    d = os.path.join(work, "emcd")
    os.makedirs(d)
    port = free_port()
    cfg = write_emcd_config(d, args.checks, args.interval, nginx, port)
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
    cs0 = context_switches(p.pid)
    cpu0, io0, req0, t0 = cpu_seconds(p.pid), io_counters(p.pid), nginx.requests(), time.monotonic()
    m0 = http_get(base + "/metrics")[1]
    lag0 = lag_buckets(m0)
    probes0 = family_sum(m0, b"emcd_probes_total")
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
    hwm = status_kib(p.pid, "VmHWM")
    lag1 = lag_buckets(m1)
    probes1 = family_sum(m1, b"emcd_probes_total")
    pending = family_sum(m1, b"emcd_store_pending_results")
    page_bytes = len(m1)
    del m0, m1

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
        "shutdown_s": stop_s,
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


# ---------------------------------------------------------------- table


def med(rows, key):
    vals = [r[key] for r in rows if key in r and not math.isnan(r[key])]
    return statistics.median(vals) if vals else float("nan")


def fmt(v, digits=3):
    if isinstance(v, str):
        return v
    if v is None or math.isnan(v):
        return "-"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.{digits}g}"


def table(args, runs):
    emcd = [r["emcd"] for r in runs]
    peer = [r["peer"] for r in runs if r.get("peer")]
    cols = [("probes/s", "probes_per_s"), ("CPU ms/probe", "cpu_ms_per_probe"),
            ("CPU cores", "cores"), ("RSS MiB", "rss_mib"),
            ("RSS KiB/target", "rss_kib_per_check"), ("lag p50 ms", "lag_p50_ms"),
            ("lag p99 ms", "lag_p99_ms")]
    head = f"{args.checks} checks every {args.interval:g} s, {args.seconds:g} s window, " \
           f"median of {len(runs)} run(s)"
    out = [head, ""]
    w = 16
    out.append("".join(h.rjust(w) for h in ["", *[c[0] for c in cols]]))

    def row(name, rows):
        out.append(name.rjust(w) + "".join(fmt(med(rows, k)).rjust(w) for _, k in cols))

    row("emcd", emcd)
    if peer:
        row("blackbox+prom", peer)
        ratio = []
        for _, k in cols:
            e, p = med(emcd, k), med(peer, k)
            if k == "probes_per_s":
                ratio.append(e / p if p else float("nan"))
            elif k in ("lag_p50_ms",):
                ratio.append(float("nan"))
            else:
                ratio.append(p / e if e else float("nan"))
        out.append("peer / emcd".rjust(w) + "".join(fmt(v).rjust(w) for v in ratio))
        out.append("")
        out.append(f"peer detail: exporter {fmt(med(peer, 'exporter_cpu_ms_per_probe'))} + "
                   f"prometheus {fmt(med(peer, 'prometheus_cpu_ms_per_probe'))} CPU ms/probe; "
                   f"prometheus RSS {fmt(med(peer, 'prometheus_rss_mib'))} MiB "
                   f"({fmt(med(peer, 'prometheus_rss_kib_per_check'))} KiB/target); "
                   "peer lag = |p99 scrape interval - interval|")
    out.append("")
    extra = [("first probe s", "first_probe_s"), ("thread sleeps/probe", "sleeps_per_probe"), ("lag p99 1st half ms", "lag_p99_first_half_ms"),
             ("lag p99 2nd half ms", "lag_p99_second_half_ms"),
             ("DB bytes/result", "db_bytes_per_result"),
             ("written bytes/result", "write_bytes_per_result"),
             ("pending at end", "pending_at_end"), ("emcd_probes_total", "emcd_probes_total"),
             ("nginx-counted probes", "probes"), ("/metrics MiB", "metrics_page_mib"),
             ("/metrics scrape ms max", "metrics_scrape_ms_max"), ("shutdown s", "shutdown_s")]
    out.append("emcd detail: " + "; ".join(f"{n} {fmt(med(emcd, k))}" for n, k in extra))
    return "\n".join(out)


# ---------------------------------------------------------------- main


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
            log(f"run {i + 1}/{args.repeat}: {args.checks} checks every {args.interval:g} s, "
                f"window {args.seconds:g} s; load average {os.getloadavg()[0]:.2f}")
            nginx = Nginx(procs, run_dir)
            run = {"load_avg_1m": os.getloadavg()[0]}
            run["emcd"] = run_emcd(args, procs, nginx, run_dir, log)
            if peer:
                run["peer"] = run_peer(args, procs, nginx, run_dir, log)
            procs.stop(nginx.proc, grace=10)
            runs.append(run)
            if args.repeat > 1:
                log(table(args, [run]))
        print(table(args, runs))
        if args.json:
            with open(args.json, "w") as f:
                json.dump({"args": vars(args), "runs": runs}, f, indent=1)
        if any(r["emcd"]["probes"] <= 0 for r in runs):
            sys.exit("harness: emcd made no probe in the window")
    finally:
        procs.stop_all()
        if args.keep:
            log(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
