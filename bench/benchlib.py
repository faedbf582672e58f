"""What bench/harness.py, bench/cluster.py and bench/scrape_cpu.py share: the processes
the harness starts (and stops), /proc readings, HTTP, nginx, the generated configs and
the Prometheus text page's helpers. Python 3 standard library only; loopback only.
"""

import ctypes
import json
import math
import os
import shutil
import signal
import socket
import subprocess
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


def write_emcd_config(d, checks, interval, nginx, listen, metrics_profile="full"):
    """emcd.yaml and one file per 1,000 checks (10 systems of 100 http checks).
    metrics_profile "lean" writes `metrics: per_check: lean` (issue 18's lean per-check
    series); "full" writes no metrics key, so any build accepts the file."""
    os.makedirs(os.path.join(d, "agencies"))
    with open(os.path.join(d, "emcd.yaml"), "w") as f:
        f.write(f"""server: {{listen: "127.0.0.1:{listen}"}}
storage: {{path: "{d}/emcd.db"}}
probing: {{max_in_flight: 1024, user_agent: "emcd-bench"}}
defaults: {{interval: {duration(interval)}, timeout: {duration(timeout_for(interval))}}}
alerting: {{repeat_interval: 0s}}
include: [agencies/*.yaml]
""")
        if metrics_profile != "full":
            f.write(f"metrics:\n  per_check: {metrics_profile}\n")
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


def results_sum(body):
    """emcd's results on a /metrics page: under the lean profile emcd_probes_total has
    only `down`, and emcd_probes_counted_total counts up, degraded and down (all the
    results against a healthy nginx); under full, every result of emcd_probes_total."""
    counted = family_sum(body, b"emcd_probes_counted_total")
    return counted if counted else family_sum(body, b"emcd_probes_total")


def keep_run(args, runs, run, table, log):
    """Adds a finished run: its own table when there are several, and the JSON so far
    (after every run, so a late failure keeps the earlier ones)."""
    runs.append(run)
    if args.repeat > 1:
        log(table(args, [run]))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"args": vars(args), "runs": runs}, f, indent=1)


def clean_up(procs, args, work, log):
    """Stops every process started and removes the work directory unless --keep."""
    procs.stop_all()
    if args.keep:
        log(f"work directory kept: {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
