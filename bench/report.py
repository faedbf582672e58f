"""The harness's table (bench/harness.py): medians of the runs, and ratios."""

import math
import statistics


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
             ("/metrics scrape ms max", "metrics_scrape_ms_max"),
             ("/metrics gzip scrape ms median", "metrics_gzip_scrape_ms_median"),
             ("shutdown s", "shutdown_s")]
    out.append("emcd detail: " + "; ".join(f"{n} {fmt(med(emcd, k))}" for n, k in extra))
    out.append("")
    out.append(stack_table(runs))
    return "\n".join(out)


def _per_run(values):
    vals = [v for v in values if v is not None and not math.isnan(v)]
    med_v = statistics.median(vals) if vals else float("nan")
    return f"{fmt(med_v)} ({', '.join(fmt(v) for v in vals)})" if len(vals) > 1 else fmt(med_v)


def _ratio(a, b):
    return a / b if a is not None and b else float("nan")


def _peer_kept_up(run):
    """The peer made at least 97 % of emcd's probes: when it falls behind (a loaded
    machine), its timeouts inflate its CPU per probe and the ratio means nothing."""
    p = run.get("peer")
    return bool(p) and p["probes_per_s"] >= 0.97 * run["emcd"]["probes_per_s"]


def stack_table(runs):
    """The whole stack (--emcd-prometheus) and the floor (--floor); ratios are the median
    of each run's ratio (both sides measured in the same run)."""
    out = []
    everies = [s["scrape_every_s"] for s in runs[0]["emcd"].get("stack", [])]
    if everies:
        out.append("whole stack: emcd scraped by its own prometheus (the harness does not "
                   "scrape in these windows; the emcd row above is scraped by the harness)")
        cols = [("probes/s", "probes_per_s"), ("emcd ms/probe", "emcd_cpu_ms_per_probe"),
                ("prom ms/probe", "prometheus_cpu_ms_per_probe"),
                ("stack ms/probe", "cpu_ms_per_probe"), ("prom RSS MiB", "prometheus_rss_mib"),
                ("lag p99 ms", "lag_p99_ms"), ("scrape ms max", "scrape_ms_max"),
                ("samples/check", "samples_per_check")]
        w = 15
        out.append("".join(h.rjust(w) for h in ["scrape every", *[c[0] for c in cols]]))
        for k, every in enumerate(everies):
            rows = [r["emcd"]["stack"][k] for r in runs]
            out.append(f"{every:g} s".rjust(w) + "".join(fmt(med(rows, c)).rjust(w) for _, c in cols))
        for k, every in enumerate(everies):
            st = [r["emcd"]["stack"][k]["cpu_ms_per_probe"] for r in runs]
            line = f"  scrape every {every:g} s: stack ms/probe {_per_run(st)}"
            if runs[0].get("peer"):
                kept = [r for r in runs if _peer_kept_up(r)]
                line += "; peer / stack " + _per_run(
                    [_ratio(r["peer"]["cpu_ms_per_probe"], r["emcd"]["stack"][k]["cpu_ms_per_probe"])
                     for r in kept])
                if len(kept) < len(runs):
                    line += f" (only the {len(kept)} run(s) where the peer kept up)"
            if runs[0].get("floor"):
                line += "; emcd (this window) / floor " + _per_run(
                    [_ratio(r["emcd"]["stack"][k]["emcd_cpu_ms_per_probe"],
                            r["floor"]["cpu_ms_per_request"]) for r in runs if r.get("floor")])
            out.append(line)
    if runs[0].get("floor"):
        fl = [r["floor"] for r in runs]
        out.append("floor: wrk -t1 -c1 -H 'Connection: close' against the same nginx: "
                   f"{_per_run([f['cpu_ms_per_request'] for f in fl])} CPU ms/request "
                   f"(user {fmt(med(fl, 'user_ms_per_request'))} + sys "
                   f"{fmt(med(fl, 'sys_ms_per_request'))}; {fmt(med(fl, 'requests_per_s'))} "
                   f"requests/s; errors {fmt(med(fl, 'errors'))})")
        out.append("  emcd (harness-scraped window) / floor: " + _per_run(
            [_ratio(r["emcd"]["cpu_ms_per_probe"], r["floor"]["cpu_ms_per_request"]) for r in runs]))
    loads = [r.get("load_avg_1m", float("nan")) for r in runs]
    out.append("load average (1 min) at each run's start: " + ", ".join(f"{v:.2f}" for v in loads))
    before = [r["quiet"]["busy_before"] for r in runs if (r.get("quiet") or {}).get("busy_before") is not None]
    if before:
        out.append("CPUs busy (others) just before each run: " + ", ".join(f"{v:.0%}" for v in before))
    busy = [r["rustc_share"] for r in runs if "rustc_share" in r]
    if busy:
        out.append("share of the run with a rustc running (sampled every 5 s): "
                   + ", ".join(f"{v:.0%}" for v in busy))
    return "\n".join(out)
