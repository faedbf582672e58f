#!/usr/bin/env python3
"""CPU per /metrics scrape, identity and gzip (docs/BENCHMARKS.md, "/metrics gzip").

  python3 bench/scrape_cpu.py --demo [--scrapes 50] [--repeat 5]
  python3 bench/scrape_cpu.py --checks 10000 [--scrapes 10] [--repeat 5]
  python3 bench/scrape_cpu.py --checks 100000 --metrics-profile lean [--emcd PATH] [--save-page FILE]

Starts target/release/emcd: `emcd demo` (the demo's page), or `emcd run` on N http
checks every 60 s against a closed loopback port (refused at once: cheap probes, a page
with every check's series). Waits until the page holds every check, then for each
round and each mode (identity, then `Accept-Encoding: gzip`): emcd's CPU
(utime+stime of /proc/PID/stat) over K back-to-back scrapes, less its CPU over the same
wall time idle just before (the probes' share), divided by K, and the wall time of each
scrape as the client sees it (request to last byte). Prints the medians of the rounds,
the page sizes and emcd's peak RSS (VmHWM). Loopback only; bounded; emcd is stopped on
exit.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


class Closed:
    """Stands in for nginx in harness.write_emcd_config: a port nothing listens on."""

    def __init__(self):
        self.port = harness.free_port()

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"


def scrape(url, gzip):
    headers = {"Accept-Encoding": "gzip"} if gzip else {}
    t0 = time.monotonic()
    status, body = harness.http_get(url, timeout=60, headers=headers)
    assert status == 200, status
    return len(body), time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", action="store_true")
    ap.add_argument("--checks", type=int, default=10000)
    ap.add_argument("--scrapes", type=int, default=10)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--metrics-profile", choices=["full", "lean"], default="full")
    ap.add_argument("--emcd", help="the binary (default: target/release/emcd)")
    ap.add_argument("--save-page", metavar="FILE",
                    help="write the identity page here (input for a gzip microbenchmark)")
    args = ap.parse_args()
    emcd = args.emcd or os.path.join(
        os.environ.get("CARGO_TARGET_DIR", os.path.join(harness.ROOT, "target")), "release", "emcd")
    work = tempfile.mkdtemp(prefix="emcd-scrape-")
    port = harness.free_port()
    if args.demo:
        argv = [emcd, "demo", "--listen", f"127.0.0.1:{port}", "--data-dir", work]
        want = 1
    else:
        cfg = harness.write_emcd_config(work, args.checks, 60, Closed(), port,
                                        args.metrics_profile)
        argv = [emcd, "run", "--config", cfg]
        want = args.checks
    log = open(os.path.join(work, "emcd.log"), "w")
    proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/metrics"
    try:
        deadline = time.monotonic() + 180
        while True:
            assert time.monotonic() < deadline, "the page never held every check"
            assert proc.poll() is None, f"emcd exited; see {work}/emcd.log"
            try:
                _, body = harness.http_get(url, timeout=30)
                if body.count(b"\nemcd_check_up{") >= want:
                    break
            except OSError:
                pass
            time.sleep(1)
        # Let the start settle.
        time.sleep(5)
        sizes = {False: scrape(url, False)[0], True: scrape(url, True)[0]}
        if args.save_page:
            with open(args.save_page, "wb") as f:
                f.write(harness.http_get(url, timeout=60)[1])
        per, wall = {False: [], True: []}, {False: [], True: []}
        for _ in range(args.repeat):
            for gzip in (False, True):
                t0, c0 = time.monotonic(), harness.cpu_seconds(proc.pid)
                for _ in range(args.scrapes):
                    wall[gzip].append(scrape(url, gzip)[1] * 1000)
                t1, c1 = time.monotonic(), harness.cpu_seconds(proc.pid)
                time.sleep(t1 - t0)
                c2 = harness.cpu_seconds(proc.pid)
                busy, idle = c1 - c0, c2 - c1
                per[gzip].append((busy - idle) / args.scrapes * 1000)
        what = "demo" if args.demo else f"{args.checks} checks"
        for gzip in (False, True):
            runs = ", ".join(f"{v:.1f}" for v in per[gzip])
            print(f"{what:<14} {'gzip' if gzip else 'identity':<9} page {sizes[gzip] / 1024:9.1f} KiB"
                  f"  CPU per scrape median {statistics.median(per[gzip]):7.1f} ms  (runs: {runs})"
                  f"  wall per scrape median {statistics.median(wall[gzip]):7.1f} ms")
        print(f"peak RSS (VmHWM) {harness.status_kib(proc.pid, 'VmHWM') / 1024:.0f} MiB")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
