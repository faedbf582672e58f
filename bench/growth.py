#!/usr/bin/env python3
"""How emcd's cost grows with the number of checks (issue 18, part 4; docs/BENCHMARKS.md).

  python3 bench/growth.py [--points 1000,10000,100000,250000] [--repeat 1]
                          [--interval 60] [--warmup 70] [--seconds 60]
                          [--metrics-profile full|lean] [--wait-quiet 600]
                          [--emcd PATH] [--json FILE] [--png docs/img/growth.png]
  python3 bench/growth.py --from-json FILE [--png ...]   # table and plot again, no run

For each point, runs bench/harness.py on emcd alone (--peer no): N checks every
`interval` s against nginx on 127.0.0.1, a warm-up longer than one round, then a window
of `seconds`; reads the harness's --json. Prints a markdown table (medians over the
repeats) of CPU per probe, peak RSS, scheduler lag p50/p99, the /metrics page, the
slowest scrape the harness saw and the median of three gzip ones, and draws CPU per
probe, peak RSS and lag p99 against the number of checks (log x axis) into a PNG
(matplotlib; without it, the table only).

Every harness run is bounded (its own windows, and a timeout here); loopback only; the
harness stops everything it started.
"""

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

COLUMNS = [  # (heading, key in the harness's emcd figures, digits)
    ("probes/s", "probes_per_s", 0),
    ("CPU ms/probe", "cpu_ms_per_probe", 3),
    ("CPU cores", "cores", 3),
    ("peak RSS MiB", "rss_mib", 0),
    ("RSS KiB/check", "rss_kib_per_check", 2),
    ("lag p50 ms", "lag_p50_ms", 1),
    ("lag p99 ms", "lag_p99_ms", 1),
    ("/metrics MiB", "metrics_page_mib", 1),
    ("scrape ms max", "metrics_scrape_ms_max", 0),
    ("gzip scrape ms", "metrics_gzip_scrape_ms_median", 0),
    ("first probe s", "first_probe_s", 2),
]


def points(text):
    out = [int(x) for x in text.split(",") if x.strip()]
    if not out or any(v <= 0 for v in out):
        raise argparse.ArgumentTypeError("points: a comma-separated list of positive counts")
    return out


def run_point(args, checks, work):
    out = os.path.join(work, f"growth-{checks}.json")
    argv = [sys.executable, os.path.join(HERE, "harness.py"), "--peer", "no",
            "--checks", str(checks), "--interval", f"{args.interval:g}",
            "--warmup", f"{args.warmup:g}", "--seconds", f"{args.seconds:g}",
            "--repeat", str(args.repeat), "--metrics-profile", args.metrics_profile,
            "--json", out]
    if args.emcd:
        argv += ["--emcd", args.emcd]
    if args.wait_quiet > 0:
        argv += ["--wait-quiet", f"{args.wait_quiet:g}"]
    print(f"growth: {checks} checks: {' '.join(argv[1:])}", file=sys.stderr, flush=True)
    # Bounded: the harness's own windows, a start and stop allowance, the quiet wait.
    limit = args.repeat * (args.warmup + args.seconds + 300 + args.wait_quiet) + 120
    subprocess.run(argv, check=True, timeout=limit)
    with open(out) as f:
        return json.load(f)["runs"]


def median(runs, key):
    vals = [r["emcd"][key] for r in runs if not math.isnan(r["emcd"].get(key, math.nan))]
    return statistics.median(vals) if vals else math.nan


def cell(v, digits):
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return f"{v:,.{digits}f}"


def markdown(results, args):
    head = ["checks", *[c[0] for c in COLUMNS], "runs", "load avg", "rustc share"]
    lines = [f"{args['metrics_profile']} metrics profile, every {args['interval']:g} s, "
             f"warm-up {args['warmup']:g} s, window {args['seconds']:g} s; medians",
             "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for checks in sorted(results, key=int):
        runs = results[checks]
        loads = ", ".join(f"{r.get('load_avg_1m', math.nan):.2f}" for r in runs)
        busy = ", ".join(f"{r['rustc_share']:.0%}" for r in runs if "rustc_share" in r) or "-"
        lines.append("| " + " | ".join([f"{int(checks):,}",
                                        *[cell(median(runs, k), d) for _, k, d in COLUMNS],
                                        str(len(runs)), loads, busy]) + " |")
    return "\n".join(lines)


def plot(results, args, path):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("growth: no matplotlib (pip install matplotlib): table only", file=sys.stderr)
        return False
    xs = sorted(int(c) for c in results)
    panels = [("CPU ms per probe", "cpu_ms_per_probe"), ("peak RSS MiB", "rss_mib"),
              ("scheduler lag p99 ms", "lag_p99_ms"), ("/metrics scrape ms (slowest)",
                                                       "metrics_scrape_ms_max")]
    fig, axes = plt.subplots(2, 2, figsize=(9, 7))
    for ax, (title, key) in zip(axes.flat, panels):
        ys = [median(results[str(x)], key) for x in xs]
        ax.plot(xs, ys, marker="o")
        for x, y in zip(xs, ys):
            label = f"{y:,.0f}" if y >= 100 else f"{y:.3g}"
            ax.annotate(label, (x, y), textcoords="offset points", xytext=(0, 6),
                        ha="center", fontsize=8)
        ax.set_xscale("log")
        ax.set_xticks(xs, [f"{x / 1000:g}k" for x in xs])
        ax.minorticks_off()
        ax.set_title(title, fontsize=10)
        ax.set_xlabel(f"checks (every {args['interval']:g} s)")
        ax.set_ylim(bottom=0, top=max(y for y in ys if not math.isnan(y)) * 1.2 or 1)
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle(f"emcd alone against nginx on loopback, {args['metrics_profile']} metrics "
                 f"profile, medians (bench/growth.py)", fontsize=10)
    fig.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    fig.savefig(path, dpi=100)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--points", type=points, default=[1000, 10000, 100000, 250000])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--interval", type=float, default=60.0)
    ap.add_argument("--warmup", type=float, default=70.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--metrics-profile", choices=["full", "lean"], default="full")
    ap.add_argument("--wait-quiet", type=float, default=0.0, metavar="MAX_SECONDS")
    ap.add_argument("--emcd", help="the build to measure (default: the harness's)")
    ap.add_argument("--json", help="write every point's runs here")
    ap.add_argument("--png", default=os.path.join(ROOT, "docs", "img", "growth.png"))
    ap.add_argument("--from-json", help="only the table and the plot, from an earlier --json")
    a = ap.parse_args()
    if a.from_json:
        with open(a.from_json) as f:
            saved = json.load(f)
        results, opts = saved["points"], saved["args"]
    else:
        opts = {"metrics_profile": a.metrics_profile, "interval": a.interval,
                "warmup": a.warmup, "seconds": a.seconds, "repeat": a.repeat,
                "emcd": a.emcd}
        results = {}
        with tempfile.TemporaryDirectory(prefix="emcd-growth-") as work:
            for checks in a.points:
                results[str(checks)] = run_point(a, checks, work)
                if a.json:  # after every point, so a late failure keeps the earlier ones
                    with open(a.json, "w") as f:
                        json.dump({"args": opts, "points": results}, f, indent=1)
    print(markdown(results, opts))
    if a.png and plot(results, opts, a.png):
        print(f"\nplot: {a.png}", file=sys.stderr)


if __name__ == "__main__":
    main()
