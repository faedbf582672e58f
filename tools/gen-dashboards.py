#!/usr/bin/env python3
"""Generates the Grafana dashboards of deploy/grafana/dashboards/ (one JSON file each):
emcd-overview (national overview), emcd-agency (agency drill-down), emcd-check (check
detail) and emcd-self (emcd's own health).

Run from anywhere:  python3 tools/gen-dashboards.py [--out DIR]
Deterministic; Python 3 standard library only. Edit this script, not the JSON.

Every panel and every query target uses the `datasource` template variable
(`{"type": "prometheus", "uid": "${datasource}"}`), so the dashboards work unchanged
with any Prometheus data source, provisioned or imported. Only metrics of docs/metrics.md and the
recording rules of deploy/prometheus/rules/emcd-recording.yml are queried;
tests/deploy_kit.rs evaluates every expression against a real Prometheus scraping
`emcd demo`.
"""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "deploy", "grafana", "dashboards")

DS = {"type": "prometheus", "uid": "${datasource}"}
# Per-check selector of the check dashboard.
CHECK = 'agency="$agency",system="$system",check="$check"'
# emcd installation selector of the overview and self-health dashboards: the `job` and
# `instance` variables (job_vars), so that one Grafana shows several installations.
SELF = 'job="$job",instance=~"$instance"'
# Each check's error budget, 1 - its objective (deploy/prometheus/rules/emcd-recording.yml).
BUDGET = "agency_system_check:emcd_slo_error_budget:ratio"


# ---------------------------------------------------------------------------------------
# Template variables


def datasource_var():
    return {
        "name": "datasource",
        "label": "Data source",
        "type": "datasource",
        "query": "prometheus",
        "current": {},
        "hide": 0,
        "includeAll": False,
        "multi": False,
        "options": [],
        "refresh": 1,
        "regex": "",
        "skipUrlSync": False,
    }


def query_var(name, label, query, include_all=False):
    v = {
        "name": name,
        "label": label,
        "type": "query",
        "datasource": DS,
        "query": query,
        "definition": query,
        "current": {},
        "hide": 0,
        "includeAll": include_all,
        "multi": False,
        "options": [],
        "refresh": 2,
        "regex": "",
        "skipUrlSync": False,
        "sort": 1,
    }
    if include_all:
        v["allValue"] = ".+"
    return v


def job_vars():
    """`job` (one emcd installation: its scrape job) and `instance` (its processes, all by
    default: in a cluster only the leader exports the agency and check families), as
    community dashboards choose a target; the queries select with SELF."""
    return [
        query_var("job", "Job", "label_values(emcd_build_info, job)"),
        query_var("instance", "Instance", 'label_values(emcd_build_info{job="$job"}, instance)',
                  include_all=True),
    ]


def window_var():
    values = ["1h", "24h", "7d", "30d"]
    default = "24h"
    return {
        "name": "window",
        "label": "Availability window",
        "type": "custom",
        "query": ",".join(values),
        "current": {"selected": True, "text": default, "value": default},
        "hide": 0,
        "includeAll": False,
        "multi": False,
        "options": [
            {"selected": v == default, "text": v, "value": v} for v in values
        ],
        "skipUrlSync": False,
    }


# ---------------------------------------------------------------------------------------
# Panels


def target(expr, legend=None, instant=False, table=False):
    t = {"datasource": DS, "expr": expr, "range": not instant, "instant": instant}
    if legend is not None:
        t["legendFormat"] = legend
    if table:
        t["format"] = "table"
    return t


def steps(*pairs):
    """Threshold steps: the first colour applies below the first value."""
    out = [{"color": pairs[0], "value": None}]
    for i in range(1, len(pairs), 2):
        out.append({"color": pairs[i + 1], "value": pairs[i]})
    return {"mode": "absolute", "steps": out}


def value_map(*pairs):
    """Value mappings: (value, text, colour), ..."""
    options = {}
    for i, (value, text, color) in enumerate(pairs):
        options[str(value)] = {"text": text, "color": color, "index": i}
    return [{"type": "value", "options": options}]


# Availability: red under 99%, orange under the 99.5% objective.
AVAILABILITY = steps("red", 0.99, "orange", 0.995, "green")


# Under `metrics.per_check: lean` (docs/metrics.md, "Profiles") emcd exports six series a
# check; the panels that read the others say so, and show nothing under lean.
FULL = " Full metrics profile only: empty under metrics.per_check: lean."
THIRTY_DAYS = " Under metrics.per_check: lean, the 30-day window only."


def counted(sel, fn="rate"):
    """Results that count in availability (up, degraded, down) per second, in both
    profiles: lean's one counter, or full's three results."""
    return (f"sum({fn}(emcd_probes_counted_total{{{sel}}}[$__rate_interval]) "
            f"or on (job, instance, agency, system, check) "
            f'{fn}(emcd_probes_total{{{sel},result=~"up|degraded|down"}}[$__rate_interval]))')


def panel(kind, title, targets, w, h, description="", unit=None, thresholds=None,
          mappings=None, options=None, custom=None, overrides=None,
          transformations=None, minmax=None, decimals=None):
    defaults = {}
    if unit:
        defaults["unit"] = unit
    if decimals is not None:
        defaults["decimals"] = decimals
    if thresholds:
        defaults["thresholds"] = thresholds
        # Time series keep a colour per series and draw thresholds as lines.
        mode = "palette-classic" if kind == "timeseries" else "thresholds"
        defaults["color"] = {"mode": mode}
    if mappings:
        defaults["mappings"] = mappings
    if custom:
        defaults["custom"] = custom
    if minmax:
        defaults["min"], defaults["max"] = minmax
    p = {
        "type": kind,
        "title": title,
        "description": description,
        "datasource": DS,
        "targets": [dict(t, refId=chr(ord("A") + i)) for i, t in enumerate(targets)],
        "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
        "options": options or {},
        "_size": (w, h),
    }
    if transformations:
        p["transformations"] = transformations
    return p


def stat(title, targets, w=4, h=4, text_mode="auto", **kw):
    options = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "colorMode": "background" if kw.get("thresholds") or kw.get("mappings") else "value",
        "graphMode": "none",
        "justifyMode": "auto",
        "orientation": "auto",
        "textMode": text_mode,
    }
    return panel("stat", title, targets, w, h, options=options, **kw)


def timeseries(title, targets, w=12, h=8, stack=False, bars=False, threshold_lines=False,
               **kw):
    custom = {
        "drawStyle": "bars" if bars else "line",
        "lineWidth": 1,
        "fillOpacity": 20 if (stack or bars) else 0,
        "showPoints": "never",
        "spanNulls": False,
        "stacking": {"mode": "normal" if stack else "none", "group": "A"},
    }
    if threshold_lines:
        custom["thresholdsStyle"] = {"mode": "line"}
    options = {
        "legend": {"displayMode": "table", "placement": "bottom", "calcs": ["lastNotNull", "max"],
                   "showLegend": True},
        "tooltip": {"mode": "multi", "sort": "desc"},
    }
    return panel("timeseries", title, targets, w, h, custom=custom, options=options, **kw)


def state_timeline(title, targets, w=12, h=8, **kw):
    options = {
        "showValue": "never",
        "mergeValues": True,
        "rowHeight": 0.8,
        "alignValue": "left",
        "legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
        "tooltip": {"mode": "single", "sort": "none"},
    }
    return panel("state-timeline", title, targets, w, h, options=options, **kw)


def bargauge(title, targets, w=12, h=10, **kw):
    options = {
        "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
        "orientation": "horizontal",
        "displayMode": "gradient",
        "showUnfilled": True,
        "minVizHeight": 10,
        "minVizWidth": 0,
        "valueMode": "color",
        "namePlacement": "left",
    }
    return panel("bargauge", title, targets, w, h, options=options, **kw)


# The names of agencies and systems, from emcd's info series (value 1), joined to a
# table's rows by id: an agency's `name` and `league` (ministries or provinces), or a
# system's `name`.
NAMES = {
    "agency": ("on (agency) group_left (name, league)",
               "max by (agency, name, league) (emcd_agency_info)", "Agency name"),
    "system": ("on (agency, system) group_left (name)",
               "max by (agency, system, name) (emcd_system_info)", "System name"),
}


def named(expr, names, selector=""):
    """`expr` with the names of its agency or system ids joined in (`names` is "agency",
    "system" or None), from the info series that `selector` selects."""
    if names is None:
        return expr
    on, info, _ = NAMES[names]
    if selector:
        info = info.replace("_info)", f"_info{{{selector}}})")
    return f"({expr}) * {on} {info}"


def table(title, columns, w=24, h=10, sort=None, hide=(), names=None, names_from="", **kw):
    """A table of instant queries merged on their labels. `columns` is a list of
    (header, expr, field config) where field config sets unit, thresholds, mappings.
    `names` ("agency" or "system") joins every query with the names of those ids (from
    the info series `names_from` selects), so the table shows a name beside each id."""
    targets = [target(named(expr, names, names_from), instant=True, table=True)
               for _, expr, _ in columns]
    rename, overrides = {}, []
    if names is not None:
        rename.update({"name": NAMES[names][2], "league": "League"})
    for i, (header, _, conf) in enumerate(columns):
        rename["Value #" + chr(ord("A") + i)] = header
        props = []
        for key in ("unit", "thresholds", "mappings", "decimals"):
            if key in conf:
                props.append({"id": key, "value": conf[key]})
        if "thresholds" in conf or "mappings" in conf:
            props.append({"id": "custom.cellOptions", "value": {"type": "color-background"}})
        if props:
            overrides.append({"matcher": {"id": "byName", "options": header}, "properties": props})
    for field, links in kw.pop("field_links", {}).items():
        overrides.append({"matcher": {"id": "byName", "options": field},
                          "properties": [{"id": "links", "value": links}]})
    exclude = {"Time": True, "__name__": True, "job": True, "instance": True}
    exclude.update({name: True for name in hide})
    transformations = [
        {"id": "merge", "options": {}},
        {"id": "organize", "options": {"excludeByName": exclude, "renameByName": rename,
                                       "indexByName": {}}},
    ]
    options = {"showHeader": True, "cellHeight": "sm",
               "footer": {"show": False, "reducer": ["sum"], "fields": ""}}
    if sort:
        options["sortBy"] = [{"displayName": sort[0], "desc": sort[1]}]
    return panel("table", title, targets, w, h, options=options, overrides=overrides,
                 transformations=transformations, **kw)


def row(title):
    return {"type": "row", "title": title, "collapsed": False, "panels": [], "_size": (24, 1)}


def link(title, url):
    return [{"title": title, "url": url, "targetBlank": False}]


AGENCY_LINK = link(
    "Agency ${__data.fields.agency}",
    "/d/emcd-agency/emcd-agency?${datasource:queryparam}&var-agency=${__data.fields.agency}"
    "&${window:queryparam}&${__url_time_range}",
)
CHECK_LINK = link(
    "Check ${__data.fields.check}",
    "/d/emcd-check/emcd-check?${datasource:queryparam}&var-agency=${__data.fields.agency}"
    "&var-system=${__data.fields.system}&var-check=${__data.fields.check}&${__url_time_range}",
)


def layout(panels):
    """Places panels left to right in Grafana's 24-column grid and numbers them."""
    x = y = row_h = 0
    for i, p in enumerate(panels, start=1):
        w, h = p.pop("_size")
        if x + w > 24 or p["type"] == "row":
            x, y = 0, y + row_h
            row_h = 0
        p["id"] = i
        p["gridPos"] = {"h": h, "w": w, "x": x, "y": y}
        x += w
        row_h = max(row_h, h)
        if p["type"] == "row":
            x, y, row_h = 0, y + h, 0
    return panels


def dashboard(uid, title, description, variables, panels, time_from="now-6h"):
    return {
        "uid": uid,
        "title": title,
        "description": description + " Generated by tools/gen-dashboards.py.",
        "tags": ["emcd"],
        "editable": True,
        "graphTooltip": 1,
        "refresh": "1m",
        "schemaVersion": 39,
        "version": 1,
        "time": {"from": time_from, "to": "now"},
        "timepicker": {},
        "timezone": "",
        "fiscalYearStartMonth": 0,
        "liveNow": False,
        "weekStart": "",
        "annotations": {"list": []},
        "links": [{"title": "emcd dashboards", "type": "dashboards", "tags": ["emcd"],
                   "asDropdown": True, "includeVars": False, "keepTime": True,
                   "icon": "external link", "targetBlank": False, "tooltip": "", "url": ""}],
        "templating": {"list": variables},
        "panels": layout(panels),
    }


# ---------------------------------------------------------------------------------------
# The dashboards


def overview():
    j = SELF
    state = value_map((0, "DOWN", "red"), (1, "UP", "green"))
    panels = [
        row("Now"),
        stat("Agencies", [target(f"count(emcd_agency_systems_required{{{j}}})")],
             description="Agencies (ministries and provinces) in the configuration."),
        stat("Required systems connected",
             [target(f"sum(emcd_agency_systems_connected{{{j}}}) / "
                     f"sum(emcd_agency_systems_required{{{j}}})")],
             unit="percentunit", thresholds=steps("red", 0.9, "orange", 1, "green"),
             description="Share of required systems, over all agencies, that produced an "
                         "up or degraded result within connection.window."),
        stat("Mean agency availability ($window)",
             [target(f'avg(emcd_agency_availability_ratio{{window="$window",{j}}})')],
             unit="percentunit", decimals=3, thresholds=AVAILABILITY,
             description="Time-weighted availability of each agency's checks over the "
                         "window, averaged over the agencies."),
        stat("Checks DOWN", [target(f"sum(1 - emcd_check_up{{{j}}})")],
             thresholds=steps("green", 1, "red"),
             description="Checks whose state is DOWN (after failure_threshold)."),
        stat("Checks DEGRADED", [target(f"sum(emcd_check_degraded{{{j}}})")],
             thresholds=steps("green", 1, "orange")),
        stat("Alerts firing", [target(f"sum(emcd_alerts_firing{{{j}}})")],
             thresholds=steps("green", 1, "red"),
             description="Alerts emcd itself holds firing (CheckDown, CheckDegraded, "
                         "CertificateExpiring)."),
        row("Agencies"),
        table("Agencies ranked by connection ratio", [
            ("Connection", f"max by (agency) (emcd_agency_connection_ratio{{{j}}})",
             {"unit": "percentunit", "thresholds": steps("red", 0.9, "orange", 1, "green")}),
            ("Connected", f"max by (agency) (emcd_agency_systems_connected{{{j}}})", {}),
            ("Required", f"max by (agency) (emcd_agency_systems_required{{{j}}})", {}),
            ("Availability",
             f'max by (agency) (emcd_agency_availability_ratio{{window="$window",{j}}})',
             {"unit": "percentunit", "decimals": 3, "thresholds": AVAILABILITY}),
            ("Checks DOWN", f"max by (agency) (agency:emcd_checks_down:sum{{{j}}})",
             {"thresholds": steps("green", 1, "red")}),
            ("Alerts firing", f"sum by (agency) (emcd_alerts_firing{{{j}}})",
             {"thresholds": steps("green", 1, "red")}),
        ], w=14, h=16, sort=("Connection", False), field_links={"agency": AGENCY_LINK},
            names="agency", names_from=j,
            description="Every agency, lowest connection ratio first (click a column to "
                        "sort by it, e.g. availability). Click an agency to drill down."),
        bargauge("Lowest availability ($window)",
                 [target(f'bottomk(15, max by (agency) '
                         f'(emcd_agency_availability_ratio{{window="$window",{j}}}))',
                         legend="{{agency}}", instant=True)],
                 w=10, h=16, unit="percentunit", thresholds=AVAILABILITY, decimals=3,
                 description="The 15 agencies with the lowest time-weighted availability "
                             "over the window."),
        row("Problems now"),
        table("Checks DOWN now", [
            ("State", f"max by (agency, system, check) (emcd_check_up{{{j}}} == 0)",
             {"mappings": state}),
            ("Last status", f"max by (agency, system, check) (probe_http_status_code{{{j}}}) "
                            f"and on (agency, system, check) (emcd_check_up{{{j}}} == 0)", {}),
        ], w=12, h=10, field_links={"check": CHECK_LINK}, names="agency", names_from=j,
            hide=("league",), description="Click a check for its detail. Last status:" + FULL),
        table("Firing alerts", [
            ("Firing",
             f"sum by (alertname, severity, agency) (emcd_alerts_firing{{{j}}}) > 0", {}),
        ], w=12, h=10, sort=("severity", False), field_links={"agency": AGENCY_LINK},
            names="agency", names_from=j, hide=("league",)),
        row("Trends"),
        timeseries("Checks DOWN, DEGRADED and in maintenance", [
            target(f"sum(1 - emcd_check_up{{{j}}})", legend="down"),
            target(f"sum(emcd_check_degraded{{{j}}})", legend="degraded"),
            target(f"sum(emcd_agency_checks_in_maintenance{{{j}}})", legend="in maintenance"),
        ]),
        timeseries("Probe results per second",
                   [target(f"sum by (result) (result:emcd_probes:rate5m{{{j}}})",
                           legend="{{result}}"),
                    target(f"sum(job_instance:emcd_probes_counted:rate5m{{{j}}})",
                           legend="counted (up, degraded, down)")],
                   unit="ops",
                   description="By result; under metrics.per_check: lean only down is "
                               "by result, beside the counted results."),
        timeseries("Agencies not fully connected",
                   [target(f"max by (agency) (emcd_agency_connection_ratio{{{j}}}) < 1",
                           legend="{{agency}}")],
                   unit="percentunit", minmax=(0, 1),
                   description="Connection ratio of every agency with a required system "
                               "disconnected or unregistered."),
        timeseries("Mean agency availability by window",
                   [target(f"avg by (window) (emcd_agency_availability_ratio{{{j}}})",
                           legend="{{window}}")],
                   unit="percentunit"),
    ]
    return dashboard(
        "emcd-overview", "emcd / National overview",
        "Every agency's connection to the EMC system and its availability, what is down "
        "now and what alerts fire. The job and instance variables choose the emcd "
        "installation when one Grafana shows several.",
        [datasource_var()] + job_vars() + [window_var()], panels, time_from="now-24h")


def agency():
    a = 'agency="$agency"'
    state = value_map((0, "DOWN", "red"), (1, "UP", "green"), (2, "DEGRADED", "orange"))
    yes_no = value_map((0, "no", "red"), (1, "yes", "green"))
    panels = [
        row("$agency"),
        stat("Connection", [target(f"emcd_agency_connection_ratio{{{a}}}")],
             unit="percentunit", thresholds=steps("red", 0.9, "orange", 1, "green")),
        stat("Required systems", [
            target(f"emcd_agency_systems_connected{{{a}}}", legend="connected"),
            target(f"emcd_agency_systems_required{{{a}}}", legend="required"),
        ], text_mode="value_and_name"),
        stat("Availability ($window)",
             [target(f'emcd_agency_availability_ratio{{{a},window="$window"}}')],
             unit="percentunit", thresholds=AVAILABILITY),
        stat("Checks DOWN", [target(f"sum(1 - emcd_check_up{{{a}}})")],
             thresholds=steps("green", 1, "red")),
        stat("Checks DEGRADED", [target(f"sum(emcd_check_degraded{{{a}}})")],
             thresholds=steps("green", 1, "orange")),
        stat("Alerts firing", [target(f"sum(emcd_alerts_firing{{{a}}})")],
             thresholds=steps("green", 1, "red")),
        table("Systems", [
            ("Connected", f"max by (agency, system) (emcd_system_connected{{{a}}})",
             {"mappings": yes_no}),
            ("Checks", f"count by (agency, system) (emcd_check_up{{{a}}})", {}),
            ("DOWN", f"sum by (agency, system) (1 - emcd_check_up{{{a}}})",
             {"thresholds": steps("green", 1, "red")}),
            ("Availability",
             f'avg by (agency, system) (emcd_check_availability_ratio{{{a},window="$window"}})',
             {"unit": "percentunit", "decimals": 3, "thresholds": AVAILABILITY}),
            ("p95 response (5m)",
             f"max by (agency, system) (agency_system:emcd_probe_duration_seconds:p95_rate5m{{{a}}})",
             {"unit": "s"}),
        ], h=8, hide=("agency",), sort=("Connected", False), names="system",
            description="A required system with no check is listed as not connected "
                        "(unregistered) and has no checks. Availability:" + THIRTY_DAYS),
        table("Checks", [
            ("State", f"max by (agency, system, check) (emcd_check_up{{{a}}} + emcd_check_degraded{{{a}}})",
             {"mappings": state}),
            ("Maintenance", f"max by (agency, system, check) (emcd_check_in_maintenance{{{a}}})",
             {"mappings": value_map((0, "no", "transparent"), (1, "yes", "blue"))}),
            ("Last duration", f"max by (agency, system, check) (probe_duration_seconds{{{a}}})",
             {"unit": "s"}),
            ("Status", f"max by (agency, system, check) (probe_http_status_code{{{a}}})", {}),
            ("Availability",
             f'max by (agency, system, check) (emcd_check_availability_ratio{{{a},window="$window"}})',
             {"unit": "percentunit", "decimals": 3, "thresholds": AVAILABILITY}),
            ("Certificate expires in",
             f"max by (agency, system, check) (probe_ssl_earliest_cert_expiry{{{a}}} - time())",
             {"unit": "dtdurations", "thresholds": steps("red", 14 * 86400, "orange", 30 * 86400, "green")}),
        ], h=10, hide=("agency",), sort=("State", False), field_links={"check": CHECK_LINK},
            names="system",
            description="Click a check for its detail. Status is empty for TCP and push "
                        "checks, certificate expiry for checks without TLS. Maintenance, "
                        "last duration, status and certificate:" + FULL + " Availability:"
                        + THIRTY_DAYS),
        row("Over time"),
        timeseries("Agency availability by window",
                   [target(f"emcd_agency_availability_ratio{{{a}}}", legend="{{window}}")],
                   unit="percentunit",
                   description="Time-weighted availability over the agency's checks, as "
                               "emcd computes it for reports."),
        timeseries("Check availability, 5-minute windows",
                   [target(f"1 - agency_system_check:emcd_probe_errors:ratio_rate5m{{{a}}}",
                           legend="{{system}}/{{check}}")],
                   unit="percentunit",
                   description="Share of up or degraded probe results in the last 5 minutes "
                               "(maintenance and unknown results excluded)."),
        timeseries("Response time percentiles by system", [
            target(f"histogram_quantile({q}, sum by (system, le) "
                   f"(rate(emcd_probe_duration_seconds_bucket{{{a}}}[$__rate_interval])))",
                   legend="{{system}} p" + p)
            for q, p in (("0.5", "50"), ("0.95", "95"), ("0.99", "99"))
        ], unit="s", description="From the per-system probe duration histogram."),
        timeseries("Checks DOWN by system",
                   [target(f"sum by (system) (1 - emcd_check_up{{{a}}})", legend="{{system}}")],
                   stack=True),
        timeseries("Probe results per second",
                   [target(f"sum by (result) (rate(emcd_probes_total{{{a}}}[$__rate_interval]))",
                           legend="{{result}}"),
                    target(counted(a), legend="counted (up, degraded, down)")],
                   unit="ops",
                   description="By result; under metrics.per_check: lean only down is "
                               "by result, beside the counted results."),
        timeseries("Firing alerts",
                   [target(f"sum by (alertname) (emcd_alerts_firing{{{a}}})",
                           legend="{{alertname}}")],
                   stack=True),
    ]
    return dashboard(
        "emcd-agency", "emcd / Agency",
        "One agency: its systems and checks, their availability over time and their "
        "response times.",
        [datasource_var(),
         query_var("agency", "Agency", "label_values(emcd_agency_systems_required, agency)"),
         window_var()],
        panels)


def check():
    s = CHECK
    state = value_map((0, "DOWN", "red"), (1, "UP", "green"), (2, "DEGRADED", "orange"))
    panels = [
        row("$agency / $system / $check"),
        stat("State", [target(f"emcd_check_up{{{s}}} + emcd_check_degraded{{{s}}}")],
             mappings=state),
        stat("Last probe", [target(f"probe_success{{{s}}}")],
             mappings=value_map((0, "failed", "red"), (1, "succeeded", "green")),
             description=FULL.strip()),
        stat("Last status code", [target(f"probe_http_status_code{{{s}}}")],
             thresholds=steps("red", 200, "green", 400, "red"),
             description="HTTP checks only; 0 when no response was received." + FULL),
        stat("Last duration", [target(f"probe_duration_seconds{{{s}}}")], unit="s",
             description=FULL.strip()),
        stat("Certificate expires in",
             [target(f"probe_ssl_earliest_cert_expiry{{{s}}} - time()")],
             unit="dtdurations", thresholds=steps("red", 14 * 86400, "orange", 30 * 86400, "green"),
             description="Earliest expiry in the chain; TLS checks only. Red under "
                         "cert_min_days (14 by default)." + FULL),
        stat("In maintenance", [target(f"emcd_check_in_maintenance{{{s}}}")],
             mappings=value_map((0, "no", "green"), (1, "yes", "blue")),
             description=FULL.strip()),
        stat("Availability", [target(f"emcd_check_availability_ratio{{{s}}}", legend="{{window}}")],
             w=24, unit="percentunit", thresholds=AVAILABILITY, text_mode="value_and_name",
             description="Time-weighted availability over 1 h, 24 h, 7 d and 30 d." + THIRTY_DAYS),
        row("Timings"),
        timeseries("HTTP phase timings of the last probe",
                   [target(f"probe_http_duration_seconds{{{s}}}", legend="{{phase}}")],
                   stack=True, unit="s",
                   description="resolve, connect, tls, processing (time to first byte) and "
                               "transfer, as blackbox_exporter reports them." + FULL),
        timeseries("Probe duration", [
            target(f"probe_duration_seconds{{{s}}}", legend="last probe"),
            target("histogram_quantile(0.95, sum by (le) (rate(emcd_probe_duration_seconds_bucket"
                   '{agency="$agency",system="$system"}[$__rate_interval])))',
                   legend="system p95"),
        ], unit="s", description="The system's p95 from the per-system histogram; the "
                                 "last probe's duration:" + FULL),
        row("Results"),
        state_timeline("State over time", [
            target(f"emcd_check_up{{{s}}} + emcd_check_degraded{{{s}}}", legend="state"),
            target(f"emcd_check_in_maintenance{{{s}}}", legend="maintenance"),
        ], mappings=value_map((0, "DOWN / no", "red"), (1, "UP / yes", "green"),
                              (2, "DEGRADED", "orange")),
            description="Maintenance:" + FULL),
        timeseries("HTTP status code", [target(f"probe_http_status_code{{{s}}}", legend="status")],
                   thresholds=steps("red", 200, "green", 400, "red"), threshold_lines=True,
                   description=FULL.strip()),
        timeseries("Probe results", [
            target(f"sum by (result) (increase(emcd_probes_total{{{s}}}[$__rate_interval]))",
                   legend="{{result}}"),
            target(counted(s, fn="increase"), legend="counted (up, degraded, down)"),
        ], bars=True,
            description="By result; under metrics.per_check: lean only down is by result, "
                        "beside the counted results."),
        timeseries("Error budget burn rate", [
            target(f"agency_system_check:emcd_probe_errors:ratio_rate{w}{{{s}}}"
                   f" / on (agency, system, check) {BUDGET}{{{s}}}",
                   legend=w)
            for w in ("5m", "1h", "6h", "1d")
        ], thresholds=steps("green", 3, "orange", 6, "red"), threshold_lines=True,
            description="How many times faster than sustainable the 30-day error budget "
                        "of the check's objective (its slo.availability) is spent "
                        "(1 = exactly used up in 30 days). "
                        "The alerts fire at 14.4 (1 h and 5 m), 6 (6 h and 30 m) and 3 "
                        "(1 d and 2 h)."),
        timeseries("Availability by window",
                   [target(f"emcd_check_availability_ratio{{{s}}}", legend="{{window}}")],
                   unit="percentunit", description=THIRTY_DAYS.strip()),
        timeseries("Certificate days left",
                   [target(f"(probe_ssl_earliest_cert_expiry{{{s}}} - time()) / 86400",
                           legend="days")],
                   thresholds=steps("red", 14, "orange", 30, "green"), threshold_lines=True,
                   description=FULL.strip()),
    ]
    return dashboard(
        "emcd-check", "emcd / Check",
        "One check: state, HTTP phase timings, status codes, certificate expiry, "
        "results and error budget.",
        [datasource_var(),
         query_var("agency", "Agency", "label_values(emcd_check_up, agency)"),
         query_var("system", "System", 'label_values(emcd_check_up{agency="$agency"}, system)'),
         query_var("check", "Check",
                   'label_values(emcd_check_up{agency="$agency",system="$system"}, check)')],
        panels)


def self_health():
    j = SELF
    quantiles = (("0.5", "p50"), ("0.99", "p99"))
    panels = [
        row("Process"),
        stat("Scrape", [target(f"up{{{j}}}", legend="{{instance}}")],
             mappings=value_map((0, "DOWN", "red"), (1, "UP", "green"))),
        stat("Version", [target(f"emcd_build_info{{{j}}}", legend="{{version}}")],
             text_mode="name"),
        stat("Last reload", [target(f"emcd_config_last_reload_successful{{{j}}}")],
             mappings=value_map((0, "FAILED", "red"), (1, "OK", "green")),
             description="A failed reload keeps the previous configuration running."),
        stat("Config loaded", [target(f"emcd_config_last_reload_success_timestamp_seconds{{{j}}} * 1000")],
             unit="dateTimeFromNow", description="When the running configuration was loaded."),
        stat("Checks configured", [target(f"sum by (kind) (emcd_checks{{{j}}})", legend="{{kind}}")],
             text_mode="value_and_name"),
        stat("Probes in flight now", [target(f"sum(emcd_probes_in_flight{{{j}}})")]),
        row("Probing"),
        timeseries("Scheduler lag", [
            target(f"histogram_quantile({q}, sum by (instance, le) "
                   f"(rate(emcd_scheduler_lag_seconds_bucket{{{j}}}[$__rate_interval])))",
                   legend="{{instance}} " + name)
            for q, name in quantiles
        ], unit="s", thresholds=steps("green", 2.5, "red"), threshold_lines=True,
            description="How late probes start versus their schedule. The "
                        "EmcdSchedulerLagging alert fires when p99 stays above 2.5 s."),
        timeseries("Probes in flight", [target(f"emcd_probes_in_flight{{{j}}}", legend="{{instance}}")]),
        timeseries("Probe results per second", [
            target(f"sum by (result) (rate(emcd_probes_total{{{j}}}[$__rate_interval]))",
                   legend="{{result}}"),
            target(counted(j), legend="counted (up, degraded, down)"),
        ], unit="ops", description="By result; under metrics.per_check: lean only down is "
                                   "by result, beside the counted results."),
        timeseries("Push requests per second", [
            target(f"sum by (result) (rate(emcd_push_requests_total{{{j}}}[$__rate_interval]))",
                   legend="{{result}}"),
        ], stack=True, unit="reqps"),
        row("Store"),
        timeseries("Batch commit duration", [
            target(f"histogram_quantile({q}, sum by (instance, le) "
                   f"(rate(emcd_store_write_duration_seconds_bucket{{{j}}}[$__rate_interval])))",
                   legend="{{instance}} " + name)
            for q, name in quantiles
        ] + [target(f"rate(emcd_store_write_duration_seconds_count{{{j}}}[$__rate_interval])",
                    legend="{{instance}} commits/s")],
            unit="s", overrides=[{"matcher": {"id": "byRegexp", "options": ".*commits/s"},
                                  "properties": [{"id": "unit", "value": "ops"},
                                                 {"id": "custom.axisPlacement", "value": "right"}]}]),
        timeseries("Results waiting for commit",
                   [target(f"emcd_store_pending_results{{{j}}}", legend="{{instance}}")]),
        row("Notifications"),
        timeseries("Notification queue depth",
                   [target(f"emcd_notification_queue_depth{{{j}}}", legend="{{receiver}}")],
                   description="Undelivered notifications per receiver (pending and "
                               "retrying)."),
        timeseries("Notifications per second", [
            target(f"sum by (receiver, result) (rate(emcd_notifications_total{{{j}}}[$__rate_interval]))",
                   legend="{{receiver}} {{result}}"),
        ], unit="ops", description="delivered, retried, dead (given up)."),
        row("Housekeeping and scrape"),
        bargauge("Housekeeping: time since last success", [
            target(f"time() - emcd_housekeeping_last_success_timestamp_seconds{{{j}}}",
                   legend="{{exported_job}}", instant=True),
        ], h=8, unit="dtdurations", thresholds=steps("green", 3 * 3600, "orange", 26 * 3600, "red"),
            description="Rollups and retention. Prometheus stores the metric's `job` label "
                        "as `exported_job`."),
        timeseries("Scrape of /metrics", [
            target(f"scrape_duration_seconds{{{j}}}", legend="{{instance}} duration"),
            target(f"scrape_samples_scraped{{{j}}}", legend="{{instance}} samples"),
        ], h=8, unit="s", overrides=[{"matcher": {"id": "byRegexp", "options": ".*samples"},
                                      "properties": [{"id": "unit", "value": "short"},
                                                     {"id": "custom.axisPlacement", "value": "right"}]}]),
    ]
    return dashboard(
        "emcd-self", "emcd / Self-health",
        "emcd's own health: scheduler lag, probes in flight, store writes, notification "
        "queues, configuration reloads and housekeeping.",
        [datasource_var()] + job_vars(),
        panels)


def main():
    out = OUT
    if len(sys.argv) == 3 and sys.argv[1] == "--out":
        out = sys.argv[2]
    elif len(sys.argv) != 1:
        raise SystemExit("usage: gen-dashboards.py [--out DIR]")
    os.makedirs(out, exist_ok=True)
    for name, build in (("emcd-overview", overview), ("emcd-agency", agency),
                        ("emcd-check", check), ("emcd-self", self_health)):
        path = os.path.join(out, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(build(), f, indent=2, ensure_ascii=False)
            f.write("\n")
        print("wrote", path)


if __name__ == "__main__":
    main()
