#!/usr/bin/env python3
"""The cluster benchmark (run it through `bench/run.sh --cluster`; see docs/BENCHMARKS.md,
"Cluster on PostgreSQL: three nodes").

One run = one load (N http checks every S seconds against nginx on 127.0.0.1, as
bench/harness.py generates them), measured twice on the same nginx:

  sqlite   one `emcd run` on a SQLite file: harness.run_emcd, unchanged (the figure the
           cluster is compared with, on the same machine state);
  cluster  a private PostgreSQL (Debian's, initdb + postgres in a temporary directory,
           on a free loopback port, fsync=off as in the tests) and three
           `emcd run --node nX --listen 127.0.0.1:PORT` processes with one config
           (storage.postgres, cluster.lease). With --vantages 1 they are one vantage and
           split the checks; with --vantages 3 each is its own vantage (`--vantage vX
           --source-address 127.0.0.X+1`, `vantages:` declared), so every check is
           probed three times per interval and its verdicts are taken by quorum.

Over a window of T seconds, aligned to whole wall-clock seconds, per node: CPU
(utime+stime of /proc/PID/stat) per probe the node made (nginx's stub_status count
times the node's share, emcd_cluster_checks_assigned / the sum of them; the node's own
emcd_probes_total also counts the other nodes' results that it applies from the feed,
so it is reported but not used), peak RSS (VmHWM), emcd_scheduler_lag_seconds p50/p99
from the histogram's deltas. PostgreSQL's CPU: the postmaster's own and reaped
children's time plus its live children's, over the same window; its memory as the PSS
of its processes. Every node's /metrics is scraped once per interval, as Prometheus
would. Committed: three seconds after the window, the rows of `results` whose ts falls
in the window (per-vantage rows with --vantages 3, where the verdict rows are counted
apart) against the probes nginx served in it; they may differ by the probes at the
window's edges (a row's ts is its probe's start, in whole seconds).

Failover: SIGKILL of the node whose emcd_cluster_leader is 1; then every 100 ms the
survivors' /metrics until one says emcd_cluster_leader 1 (the leader time), and
PostgreSQL until the first verdict written after the kill: with --vantages 3 a row
with vantage NULL (only the leader stores verdicts) whose ts is after the kill's
second; with --vantages 1 (a check's results are its verdicts, stored by its prober) a
result of one of the dead node's checks (known from the rendezvous hash of
src/role.rs, checked against its emcd_cluster_checks_assigned), and then until every
one of them has one. Times are from the SIGKILL to when the poll saw it.

With --vantages 3 and source addresses, a run first waits until no socket of
127.0.0.2-4 is left in TIME_WAIT by a previous run: each probe binds its source address
to a port before it connects, and a port in TIME_WAIT (60 s) is not free for bind().
`--source-address no` measures the same three vantages without it. `--perf FILE`
records a profile of one follower over the window. `--json FILE` keeps every figure
(per node, failed results and their commonest messages, PostgreSQL, failover).

Python 3 standard library only, plus PostgreSQL's own binaries (initdb, postgres, psql).
Loopback only. Every process started here is stopped on exit (and dies with the harness
if the harness is killed: PR_SET_PDEATHSIG, set after PostgreSQL's switch of user).
"""

import argparse
import math
import os
import pwd
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

PG_BIN = "/usr/lib/postgresql/15/bin"
PASSWORD = "emcd-bench-pw"
NODES = 3


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes


def start_as(procs, name, argv, logfile, user):
    """Processes.start, as `user` (PostgreSQL refuses root); PR_SET_PDEATHSIG is set after
    the switch of user, which would clear it."""

    def pre():
        if user is not None:
            os.setgroups([user.pw_gid])
            os.setgid(user.pw_gid)
            os.setuid(user.pw_uid)
        h._libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG

    out = open(logfile, "wb")
    p = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                         preexec_fn=pre)
    out.close()
    procs.procs.append((name, p))
    return p


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()


def tree_cpu(pid):
    """CPU seconds of a process, its reaped children and its live children (PostgreSQL's
    backends, nginx's worker): the difference of two readings is what the tree spent."""
    f = stat_fields(pid)
    total = sum(int(x) for x in f[11:15])  # utime stime cutime cstime
    for c in children(pid):
        try:
            total += sum(int(x) for x in stat_fields(c)[11:13])
        except FileNotFoundError:
            pass
    return total / h.CLK_TCK


def children(pid):
    out = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if int(stat_fields(d)[1]) == pid:
                out.append(int(d))
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return out


def pss_kib(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (FileNotFoundError, PermissionError):
        pass
    return 0


# ---------------------------------------------------------------- PostgreSQL


class PsqlError(subprocess.CalledProcessError):
    def __str__(self):
        return f"psql exited with {self.returncode} on {self.cmd[:200]!r}: " \
               f"{self.stderr.decode(errors='replace').strip()}"


class Postgres:
    """A private PostgreSQL: initdb in the work directory, `postgres` in the foreground
    (so it is our child and dies with us), on a free 127.0.0.1 port and a socket in its
    directory; password authentication over TCP, as a deployment has it."""

    def __init__(self, procs, work, bin_dir):
        self.procs, self.bin = procs, bin_dir
        self.dir = os.path.join(work, "pg")
        os.makedirs(self.dir)
        self.data = os.path.join(self.dir, "data")
        self.port = h.free_port()
        pw = os.path.join(self.dir, "pw")
        with open(pw, "w") as f:
            f.write(PASSWORD)
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self.user:
            for root, dirs, files in os.walk(self.dir):
                for n in [root] + [os.path.join(root, x) for x in dirs + files]:
                    os.chown(n, self.user.pw_uid, self.user.pw_gid)
        initdb = [os.path.join(bin_dir, "initdb"), "-D", self.data, "-U", "emcd",
                  "--auth-local=trust", "--auth-host=scram-sha-256", f"--pwfile={pw}",
                  "-E", "UTF8", "--no-sync"]
        p = start_as(procs, "initdb", initdb, os.path.join(self.dir, "initdb.log"), self.user)
        if p.wait(120) != 0:
            raise RuntimeError(f"initdb failed; see {self.dir}/initdb.log")
        procs.procs.remove(("initdb", p))
        self.proc = start_as(procs, "postgres", [
            os.path.join(bin_dir, "postgres"), "-D", self.data, "-p", str(self.port),
            "-k", self.dir, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
            "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
            "-c", "max_connections=100"], os.path.join(self.dir, "postgres.log"), self.user)
        end = time.monotonic() + 60
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited with {self.proc.returncode}; "
                                   f"see {self.dir}/postgres.log")
            try:
                self.psql("SELECT 1", db="postgres")
                break
            except (PsqlError, subprocess.TimeoutExpired) as e:
                if time.monotonic() > end:
                    log(f"  {e}")
                    raise RuntimeError("PostgreSQL not ready after 60 s")
                time.sleep(0.1)
        self.psql("CREATE DATABASE emcd", db="postgres")

    def url(self):
        return f"postgres://emcd:{PASSWORD}@127.0.0.1:{self.port}/emcd"

    def psql(self, sql, db="emcd"):
        """Runs `sql` (on stdin) through psql over the socket; its unaligned output."""
        r = subprocess.run([os.path.join(self.bin, "psql"), "-X", "-q", "-A", "-t",
                            "-v", "ON_ERROR_STOP=1", "-h", self.dir, "-p", str(self.port),
                            "-U", "emcd", "-d", db, "-f", "-"],
                           input=sql.encode(), capture_output=True, timeout=60)
        if r.returncode != 0:
            raise PsqlError(r.returncode, sql, r.stdout, r.stderr)
        return r.stdout.decode().strip()

    def row(self, sql):
        out = self.psql(sql)
        return [None if v == "" else int(v) for v in out.split("|")]

    def cpu(self):
        return tree_cpu(self.proc.pid)

    def pss_mib(self):
        return sum(pss_kib(p) for p in [self.proc.pid] + children(self.proc.pid)) / 1024

    def stop(self):
        """A fast shutdown (SIGINT): sessions are cut, nothing more is waited for."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.procs.procs = [(n, q) for n, q in self.procs.procs if q is not self.proc]


# ---------------------------------------------------------------- the rendezvous split


def weight(node, check):
    """src/role.rs `weight`: FNV-1a of node, a zero byte and check, splitmix64-finalised."""
    m = (1 << 64) - 1
    x = 0xCBF29CE484222325
    for b in node.encode() + b"\0" + check.encode():
        x ^= b
        x = (x * 0x100000001B3) & m
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & m
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & m
    return x ^ (x >> 31)


def owner(nodes, check):
    return max(nodes, key=lambda n: weight(n, check))


def check_ids(checks):
    return ["/".join(h.agency_system_check(i)) for i in range(checks)]


# ---------------------------------------------------------------- one cluster run


def write_config(d, args, nginx, pg):
    """The harness's agency files, with a main file for PostgreSQL and the cluster."""
    cfg = h.write_emcd_config(d, args.checks, args.interval, nginx, 0)
    vantages = ""
    if args.vantages > 1:
        vantages = "vantages: [" + ", ".join(f"{{id: v{i}}}" for i in range(1, args.vantages + 1)) + "]\n"
    with open(cfg, "w") as f:
        f.write(f"""storage: {{postgres: "{pg.url()}"}}
cluster: {{lease: {args.lease}}}
{vantages}probing: {{max_in_flight: 1024, user_agent: "emcd-bench"}}
defaults: {{interval: {h.duration(args.interval)}, timeout: {h.duration(h.timeout_for(args.interval))}}}
alerting: {{repeat_interval: 0s}}
include: [agencies/*.yaml]
""")
    return cfg


class Node:
    def __init__(self, procs, args, cfg, d, i):
        self.name = f"n{i}"
        self.port = h.free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        argv = [args.emcd, "run", "--config", cfg, "--node", self.name,
                "--listen", f"127.0.0.1:{self.port}"]
        if args.vantages > 1:
            argv += ["--vantage", f"v{i}"]
            if args.source_address:
                argv += ["--source-address", f"127.0.0.{i + 1}"]
        self.log = os.path.join(d, f"{self.name}.log")
        self.proc = procs.start(self.name, argv, self.log)

    def metrics(self, timeout=120.0):
        return h.http_get(self.base + "/metrics", timeout=timeout)[1]


def gauge(body, name):
    return h.family_sum(body, name)


def time_wait(addresses):
    """TCP sockets in TIME_WAIT whose local address is one of `addresses`."""
    want = {"%08X" % int.from_bytes(bytes(map(int, a.split("."))), "little") for a in addresses}
    n = 0
    with open("/proc/net/tcp") as f:
        next(f)
        for line in f:
            parts = line.split(None, 4)
            if parts[3] == "06" and parts[1].split(":")[0] in want:
                n += 1
    return n


def run_cluster(args, procs, nginx, work):
    if args.vantages > 1 and args.source_address:
        # A probe from a source address binds it to a port first, and a port in
        # TIME_WAIT (60 s) is not free for bind: start from none left by a previous run.
        addrs = [f"127.0.0.{i + 1}" for i in range(1, NODES + 1)]
        end = time.monotonic() + 75
        while time_wait(addrs) > 100 and time.monotonic() < end:
            time.sleep(1.0)
    pg = Postgres(procs, work, args.pg_bin)
    d = os.path.join(work, "cluster")
    os.makedirs(d)
    cfg = write_config(d, args, nginx, pg)
    t_spawn = time.monotonic()
    nodes = [Node(procs, args, cfg, d, i) for i in range(1, NODES + 1)]
    for n in nodes:
        h.wait_http_ok(n.base + "/readyz", n.proc, 120, n.name)
    ready_s = time.monotonic() - t_spawn
    # Settled: one leader, and every check of every vantage assigned to one node.
    want = args.checks * args.vantages
    end = time.monotonic() + 90
    while True:
        pages = [n.metrics() for n in nodes]
        leaders = sum(gauge(p, b"emcd_cluster_leader") for p in pages)
        assigned = sum(gauge(p, b"emcd_cluster_checks_assigned") for p in pages)
        del pages
        if leaders == 1 and assigned == want:
            break
        if time.monotonic() > end:
            raise RuntimeError(f"cluster not settled after 90 s: {leaders} leaders, "
                               f"{assigned} of {want} checks assigned; logs in {d}")
        for n in nodes:
            if n.proc.poll() is not None:
                raise RuntimeError(f"{n.name} exited with {n.proc.returncode}; see {n.log}")
        time.sleep(1.0)
    settled_s = time.monotonic() - t_spawn
    log(f"  cluster: {NODES} nodes ready after {ready_s:.1f} s, settled after {settled_s:.1f} s;"
        f" warming up {args.cluster_warmup:.0f} s")
    time.sleep(args.cluster_warmup)

    # The window, from one whole wall-clock second to another.
    m0 = [n.metrics() for n in nodes]
    lag0 = [h.lag_buckets(m) for m in m0]
    probes_total0 = [h.family_sum(m, b"emcd_probes_total") for m in m0]
    follower = next(n for n, m in zip(nodes, m0) if gauge(m, b"emcd_cluster_leader") != 1)
    del m0
    profiler = None
    if args.perf:
        # A sampling profile of one follower over the window (software clock, call graphs).
        profiler = procs.start("perf", ["perf", "record", "-e", "cpu-clock", "-F", "999", "-g",
                                        "-p", str(follower.proc.pid), "-o", args.perf],
                               os.path.join(d, "perf.log"))
        log(f"  cluster: profiling {follower.name} into {args.perf}")
    s0 = math.ceil(time.time() + 0.05)
    time.sleep(max(0.0, s0 - time.time()))
    req0 = nginx.requests()
    cpu0 = [h.cpu_seconds(n.proc.pid) for n in nodes]
    pg0, ngx0, t0 = pg.cpu(), tree_cpu(nginx.proc.pid), time.monotonic()
    s1 = s0 + int(args.seconds)
    scrape_every = args.scrape or args.interval
    next_scrape = t0 + scrape_every
    scrape_ms = []
    while time.time() < s1:
        if time.monotonic() >= next_scrape:
            for n in nodes:
                ts = time.monotonic()
                n.metrics()
                scrape_ms.append(1000 * (time.monotonic() - ts))
            next_scrape += scrape_every
        time.sleep(max(0.0, min(0.2, s1 - time.time(), next_scrape - time.monotonic())))
    req1 = nginx.requests()
    cpu1 = [h.cpu_seconds(n.proc.pid) for n in nodes]
    pg1, ngx1, t1 = pg.cpu(), tree_cpu(nginx.proc.pid), time.monotonic()
    if profiler:
        profiler.send_signal(signal.SIGINT)
        profiler.wait(60)
        procs.stop(profiler)
    m1 = [n.metrics() for n in nodes]
    hwm = [h.status_kib(n.proc.pid, "VmHWM") for n in nodes]
    pg_pss = pg.pss_mib()
    lag1 = [h.lag_buckets(m) for m in m1]
    probes_total1 = [h.family_sum(m, b"emcd_probes_total") for m in m1]
    assigned = [gauge(m, b"emcd_cluster_checks_assigned") for m in m1]
    leader = [gauge(m, b"emcd_cluster_leader") for m in m1]
    pending = [gauge(m, b"emcd_store_pending_results") for m in m1]
    lost = [gauge(m, b"emcd_store_results_lost_total") for m in m1]
    page_mib = [len(m) / 2**20 for m in m1]
    del m1
    window = t1 - t0
    probes = req1 - req0 - 1  # the closing stub_status request counts itself
    time.sleep(3.0)  # a writer commits at least once a second
    probe_rows = "vantage IS NOT NULL" if args.vantages > 1 else "vantage IS NULL"
    rows, verdicts = pg.row(
        f"SELECT count(*) FILTER (WHERE {probe_rows}), count(*) FILTER (WHERE vantage IS NULL) "
        f"FROM results WHERE ts >= {s0} AND ts < {s1}")
    # Failed results carry a message (docs/storage.md): how many, and the commonest.
    failed = pg.row(f"SELECT count(*) FROM results WHERE ts >= {s0} AND ts < {s1} "
                    f"AND message IS NOT NULL AND {probe_rows}")[0]
    why = pg.psql(f"SELECT count(*) || ' x ' || left(message, 160) FROM results WHERE ts >= {s0} "
                  f"AND ts < {s1} AND message IS NOT NULL AND {probe_rows} "
                  "GROUP BY message ORDER BY count(*) DESC LIMIT 3")
    per_s = probes / window
    out = {
        "system": "cluster",
        "vantages": args.vantages,
        "lease": args.lease,
        "window_s": window,
        "probes": probes,
        "probes_per_s": per_s,
        "ready_s": ready_s,
        "settled_s": settled_s,
        "result_rows": rows,
        "scheduled": args.checks * args.vantages * window / args.interval,
        "verdict_rows": verdicts if args.vantages > 1 else None,
        "rows_minus_probes": rows - probes,
        "failed_rows": failed,
        "failed_messages": why.splitlines(),
        "committed_all": abs(rows - probes) <= per_s and sum(lost) == 0,
        "pg_cpu_s": pg1 - pg0,
        "pg_cpu_ms_per_probe": 1000 * (pg1 - pg0) / max(probes, 1),
        "pg_cores": (pg1 - pg0) / window,
        "pg_pss_mib": pg_pss,
        "nginx_cpu_ms_per_probe": 1000 * (ngx1 - ngx0) / max(probes, 1),
        "metrics_scrape_ms_max": max(scrape_ms) if scrape_ms else float("nan"),
        "nodes": [],
    }
    total_assigned = sum(assigned) or 1
    for i, n in enumerate(nodes):
        own = probes * assigned[i] / total_assigned
        whole = h.diff(lag0[i], lag1[i])
        out["nodes"].append({
            "node": n.name,
            "leader": leader[i] == 1,
            "checks_assigned": assigned[i],
            "probes": own,
            "emcd_probes_total": probes_total1[i] - probes_total0[i],
            "cpu_s": cpu1[i] - cpu0[i],
            "cpu_ms_per_probe": 1000 * (cpu1[i] - cpu0[i]) / max(own, 1),
            "cores": (cpu1[i] - cpu0[i]) / window,
            "rss_mib": hwm[i] / 1024,
            "lag_p50_ms": 1000 * h.quantile(0.5, whole),
            "lag_p99_ms": 1000 * h.quantile(0.99, whole),
            "pending_at_end": pending[i],
            "results_lost": lost[i],
            "metrics_page_mib": page_mib[i],
        })
    node_cpu = sum(x["cpu_s"] for x in out["nodes"])
    out["nodes_cpu_ms_per_probe"] = 1000 * node_cpu / max(probes, 1)
    out["cluster_cpu_ms_per_probe"] = 1000 * (node_cpu + pg1 - pg0) / max(probes, 1)
    log(f"  cluster: window {window:.1f} s, {probes} probes ({per_s:.0f}/s), {rows} rows "
        f"in the window ({rows - probes:+d})" +
        (f", {verdicts} verdict rows" if args.vantages > 1 else "") +
        (f"; {failed} failed: {why.splitlines()}" if failed else ""))

    if args.failover:
        out["failover"] = failover(args, nodes, pg, assigned, leader, procs)
    for n in nodes:
        if n.proc.poll() is None:
            code = procs.stop(n.proc, grace=60)
            if code != 0:
                raise RuntimeError(f"{n.name} exited with {code}; see {n.log}")
    pg.stop()
    return out


def failover(args, nodes, pg, assigned, leader, procs):
    """SIGKILL the leader; seconds from the kill until a survivor leads and until the
    first verdict written after the kill."""
    li = leader.index(1)
    dead = nodes[li]
    survivors = [n for n in nodes if n is not dead]
    one_vantage = args.vantages == 1
    dead_checks = 0
    if one_vantage:
        names = [n.name for n in nodes]
        mine = [c for c in check_ids(args.checks) if owner(names, c) == dead.name]
        dead_checks = len(mine)
        if dead_checks != assigned[li]:
            raise RuntimeError(f"the rendezvous split gives {dead.name} {dead_checks} checks, "
                               f"its emcd_cluster_checks_assigned says {assigned[li]}")
        values = ",".join(f"('{c}')" for c in mine)
        pg.psql("CREATE TABLE bench_dead AS SELECT c.id FROM checks c JOIN (VALUES "
                f"{values}) v(full_id) ON v.full_id = c.full_id")
        if pg.row("SELECT count(*) FROM bench_dead")[0] != dead_checks:
            raise RuntimeError("the dead node's checks are not all in the checks table")
    log(f"  failover: SIGKILL {dead.name} (the leader"
        + (f", {dead_checks} checks)" if one_vantage else ")"))
    wall_k = time.time()
    mono_k = time.monotonic()
    dead.proc.send_signal(signal.SIGKILL)
    dead.proc.wait()
    procs.procs = [(n, q) for n, q in procs.procs if q is not dead.proc]
    after = int(math.floor(wall_k)) + 1  # rows with this ts were taken after the kill
    res = {"killed": dead.name, "dead_checks": dead_checks or None, "leader_s": None,
           "new_leader": None, "first_verdict_s": None, "first_verdict_ts_s": None,
           "all_dead_checks_s": None, "poll_gap_ms_max": 0.0}
    if one_vantage:
        query = ("SELECT min(r.ts), count(DISTINCT r.check_id) FROM results r "
                 f"JOIN bench_dead d ON d.id = r.check_id WHERE r.ts >= {after}")
    else:
        query = f"SELECT min(ts), count(*) FROM results WHERE vantage IS NULL AND ts >= {after}"
    last = time.monotonic()
    while time.monotonic() - mono_k < args.failover_timeout:
        if res["leader_s"] is None:
            for n in survivors:
                try:
                    body = n.metrics(timeout=5.0)
                except OSError:
                    continue
                if gauge(body, b"emcd_cluster_leader") == 1:
                    res["leader_s"] = time.monotonic() - mono_k
                    res["new_leader"] = n.name
                    break
        if res["first_verdict_s"] is None or (one_vantage and res["all_dead_checks_s"] is None):
            first_ts, count = pg.row(query)
            now = time.monotonic() - mono_k
            if count and res["first_verdict_s"] is None:
                res["first_verdict_s"] = now
                res["first_verdict_ts_s"] = first_ts - wall_k
            if one_vantage and count == dead_checks and res["all_dead_checks_s"] is None:
                res["all_dead_checks_s"] = now
        done = res["leader_s"] is not None and res["first_verdict_s"] is not None and \
            (not one_vantage or res["all_dead_checks_s"] is not None)
        if done:
            break
        now = time.monotonic()
        res["poll_gap_ms_max"] = max(res["poll_gap_ms_max"], 1000 * (now - last))
        last = now
        time.sleep(max(0.0, 0.1 - (time.monotonic() - now)))
    log(f"  failover: {res['new_leader']} leads after {res['leader_s']} s; first verdict after "
        f"{res['first_verdict_s']} s (its ts {res['first_verdict_ts_s']} s)" +
        (f"; all {dead_checks} of the dead node's checks after {res['all_dead_checks_s']} s"
         if one_vantage else ""))
    return res


# ---------------------------------------------------------------- table


def med(vals):
    vals = [v for v in vals if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return statistics.median(vals) if vals else float("nan")


def summary(run):
    """One run's figures for the table: the leader, the followers' median, the worst node."""
    c, s = run["cluster"], run.get("sqlite")
    nodes = c["nodes"]
    lead = [n for n in nodes if n["leader"]]
    foll = [n for n in nodes if not n["leader"]]
    out = {
        "leader_cpu_ms_per_probe": lead[0]["cpu_ms_per_probe"] if lead else float("nan"),
        "follower_cpu_ms_per_probe": med([n["cpu_ms_per_probe"] for n in foll]),
        "max_cpu_ms_per_probe": max(n["cpu_ms_per_probe"] for n in nodes),
        "max_rss_mib": max(n["rss_mib"] for n in nodes),
        "max_lag_p99_ms": max(n["lag_p99_ms"] for n in nodes),
        "max_lag_p50_ms": max(n["lag_p50_ms"] for n in nodes),
        "node_cores": med([n["cores"] for n in nodes]),
    }
    for k in ("probes_per_s", "pg_cpu_ms_per_probe", "pg_cores", "pg_pss_mib",
              "nodes_cpu_ms_per_probe", "cluster_cpu_ms_per_probe", "rows_minus_probes",
              "result_rows", "probes", "metrics_scrape_ms_max", "nginx_cpu_ms_per_probe",
              "failed_rows", "scheduled"):
        out[k] = c[k]
    f = c.get("failover") or {}
    for k in ("leader_s", "first_verdict_s", "first_verdict_ts_s", "all_dead_checks_s"):
        out["failover_" + k] = f.get(k)
    if s:
        out["sqlite_cpu_ms_per_probe"] = s["cpu_ms_per_probe"]
        out["sqlite_lag_p99_ms"] = s["lag_p99_ms"]
        out["sqlite_rss_mib"] = s["rss_mib"]
        out["ratio_max"] = out["max_cpu_ms_per_probe"] / s["cpu_ms_per_probe"]
        out["ratio_leader"] = out["leader_cpu_ms_per_probe"] / s["cpu_ms_per_probe"]
        out["ratio_follower"] = out["follower_cpu_ms_per_probe"] / s["cpu_ms_per_probe"]
    return out


def table(args, runs):
    sums = [summary(r) for r in runs]

    def m(k):
        return h.fmt(med([s.get(k) for s in sums]))

    def each(k):
        return ", ".join(h.fmt(s.get(k)) for s in sums)

    lines = [
        f"cluster: {NODES} nodes, {args.vantages} vantage(s), {args.checks} checks every "
        f"{args.interval:g} s per vantage, {args.seconds:g} s window, lease {args.lease}, "
        f"median of {len(runs)} run(s) (each run's value in brackets)",
        "",
        f"probes/s (nginx)                    {m('probes_per_s')}",
        f"CPU ms/probe, leader                {m('leader_cpu_ms_per_probe')}  [{each('leader_cpu_ms_per_probe')}]",
        f"CPU ms/probe, followers (median)    {m('follower_cpu_ms_per_probe')}  [{each('follower_cpu_ms_per_probe')}]",
        f"CPU ms/probe, dearest node          {m('max_cpu_ms_per_probe')}  [{each('max_cpu_ms_per_probe')}]",
        f"CPU cores per node (median)         {m('node_cores')}",
        f"peak RSS MiB, largest node          {m('max_rss_mib')}",
        f"lag p50 / p99 ms, worst node        {m('max_lag_p50_ms')} / {m('max_lag_p99_ms')}  [{each('max_lag_p99_ms')}]",
        f"PostgreSQL CPU ms per probe         {m('pg_cpu_ms_per_probe')} ({m('pg_cores')} cores), PSS {m('pg_pss_mib')} MiB",
        f"all nodes / +PostgreSQL ms/probe    {m('nodes_cpu_ms_per_probe')} / {m('cluster_cpu_ms_per_probe')}",
        f"result rows - nginx probes          {m('rows_minus_probes')}  [{each('rows_minus_probes')}] of {m('probes')} probes"
        f" ({m('scheduled')} scheduled); failed rows {m('failed_rows')}",
        f"/metrics scrape ms, max             {m('metrics_scrape_ms_max')}",
    ]
    if any("sqlite_cpu_ms_per_probe" in s for s in sums):
        lines += [
            f"SQLite single node CPU ms/probe     {m('sqlite_cpu_ms_per_probe')}  [{each('sqlite_cpu_ms_per_probe')}]; "
            f"lag p99 {m('sqlite_lag_p99_ms')} ms; RSS {m('sqlite_rss_mib')} MiB",
            f"ratio to SQLite: dearest / leader / followers   {m('ratio_max')} / {m('ratio_leader')} / {m('ratio_follower')}"
            f"  [{each('ratio_max')}]",
        ]
    if args.failover:
        lines += [
            f"failover: a new leader after        {m('failover_leader_s')} s  [{each('failover_leader_s')}]",
            f"failover: first verdict after       {m('failover_first_verdict_s')} s  [{each('failover_first_verdict_s')}]"
            f" (its ts {m('failover_first_verdict_ts_s')} s after the kill)",
        ]
        if args.vantages == 1:
            lines.append(f"failover: every dead node's check   {m('failover_all_dead_checks_s')} s"
                         f"  [{each('failover_all_dead_checks_s')}]")
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--checks", type=int, default=5000)
    ap.add_argument("--interval", type=float, default=5.0, help="seconds")
    ap.add_argument("--seconds", type=float, default=30.0, help="measured window")
    ap.add_argument("--warmup", type=float, default=5.0,
                    help="seconds before the SQLite node's window (as the harness)")
    ap.add_argument("--cluster-warmup", type=float, default=10.0,
                    help="seconds after the cluster has settled, before its window")
    ap.add_argument("--scrape", type=float, default=0.0,
                    help="scrape every node's /metrics this often (default: the interval)")
    ap.add_argument("--vantages", type=int, choices=[1, 3], default=1,
                    help="1: the three nodes split the checks; 3: each node is a vantage")
    ap.add_argument("--source-address", choices=["yes", "no"], default="yes",
                    help="with --vantages 3: node X probes from 127.0.0.X+1 (--source-address)")
    ap.add_argument("--lease", default="15s", help="cluster.lease")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--sqlite", choices=["yes", "no"], default="yes",
                    help="also measure one SQLite node at the same load in each run")
    ap.add_argument("--failover", choices=["yes", "no"], default="yes")
    ap.add_argument("--failover-timeout", type=float, default=90.0)
    ap.add_argument("--emcd", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(h.ROOT, "target")), "release", "emcd"))
    ap.add_argument("--pg-bin", default=PG_BIN, help="PostgreSQL's binaries")
    ap.add_argument("--json", help="also write every run's figures to this file")
    ap.add_argument("--perf", metavar="FILE",
                    help="record a perf profile (cpu-clock, call graphs) of one follower over the window")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    a = ap.parse_args(argv)
    a.failover = a.failover == "yes"
    a.source_address = a.source_address == "yes"
    return a


def main(argv):
    args = parse_args(argv)
    if not shutil.which("nginx"):
        os.environ["PATH"] += os.pathsep + "/usr/sbin"
    for need in ["nginx", args.emcd, os.path.join(args.pg_bin, "postgres")]:
        if not shutil.which(need):
            sys.exit(f"cluster: {need} not found (apt-get install nginx postgresql; "
                     "cargo build --release)")
    procs = h.Processes()

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)

    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    work = tempfile.mkdtemp(prefix="emcd-cluster-")
    os.chmod(work, 0o755)  # PostgreSQL's user must reach its directory
    hargs = argparse.Namespace(checks=args.checks, interval=args.interval, seconds=args.seconds,
                               warmup=args.warmup, scrape=args.scrape, perf=None, emcd=args.emcd)
    runs = []
    try:
        for i in range(args.repeat):
            run_dir = os.path.join(work, f"run{i}")
            os.makedirs(run_dir)
            log(f"run {i + 1}/{args.repeat}: {args.checks} checks every {args.interval:g} s, "
                f"{args.vantages} vantage(s), window {args.seconds:g} s; "
                f"load average {os.getloadavg()[0]:.2f}")
            nginx = h.Nginx(procs, run_dir)
            run = {"load_avg_1m": os.getloadavg()[0]}
            if args.sqlite == "yes":
                run["sqlite"] = h.run_emcd(hargs, procs, nginx, run_dir, log)
                log(f"  sqlite: {run['sqlite']['cpu_ms_per_probe']:.3f} CPU ms/probe, lag p99 "
                    f"{run['sqlite']['lag_p99_ms']:.1f} ms")
            run["cluster"] = run_cluster(args, procs, nginx, run_dir)
            procs.stop(nginx.proc, grace=10)
            h.keep_run(args, runs, run, table, log)
        print(table(args, runs))
        if any(r["cluster"]["probes"] <= 0 for r in runs):
            sys.exit("cluster: no probe in the window")
    finally:
        h.clean_up(procs, args, work, log)


if __name__ == "__main__":
    main(sys.argv[1:])
