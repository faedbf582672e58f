//! Evaluating every expression of the kit against a real Prometheus, in rounds, until
//! each one that should has data (bounded), for `deploy_kit_prometheus*.rs`.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use super::promql::{substitute, Expr};
use super::Prometheus;

/// Alerts that must not fire while the demo runs: their expressions must return nothing.
pub const MUST_BE_EMPTY: &[(&str, &str)] = &[
    ("alert EmcdDown", "the demo is up and scraped"),
    (
        "alert EmcdSchedulerLagging",
        "a few hundred checks start on time",
    ),
    ("alert EmcdNotProbing", "the demo probes all the time"),
    ("alert EmcdConfigReloadFailed", "nothing reloads"),
    ("alert EmcdNotificationsDead", DELIVERED),
    ("alert EmcdNotificationsBacklogged", DELIVERED),
    (
        "alert EmcdStoreBacklog",
        "commits keep up with a few hundred checks",
    ),
    ("alert EmcdHousekeepingStale", "housekeeping runs at start"),
    (
        "alert EmcdClusterLeaderless",
        "the demo's single node leads",
    ),
    ("alert EmcdClusterTwoLeaders", "the demo has one node"),
    ("alert EmcdStoreFailing", "the demo's database commits"),
    ("alert EmcdResultsLost", "the demo's database commits"),
];

const DELIVERED: &str =
    "the demo's own webhook receiver answers every notification at once (emcd demo)";

/// Grafana's variables for the demo's scrape: the demo's HTTPS check (its certificate
/// expires in 5 days, for the agency and check dashboards), the 24 h window, the kit's
/// job and the demo's `instance`.
pub fn demo_vars(instance: &str) -> BTreeMap<&'static str, String> {
    [
        ("agency", "bo-cong-an"),
        ("system", "cong-dich-vu-cong"),
        ("check", "trang-chu"),
        ("window", "24h"),
        ("job", "emcd"),
        ("instance", instance),
        ("__rate_interval", "1m"),
        ("__interval", "15s"),
        ("__range", "1h"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

/// Each expression's query (variables substituted) and its result.
pub type Results<'a> = BTreeMap<&'a str, (String, Vec<Value>)>;

/// Evaluates `exprs` (with `vars` substituted) every second until every one not
/// `may_be_empty` returns data, within 90 s; panics naming those without, with
/// Prometheus's targets and log. Returns the last round's results.
pub async fn until_data<'a>(
    prometheus: &Prometheus,
    exprs: &'a [Expr],
    vars: &BTreeMap<&str, String>,
    may_be_empty: impl Fn(&str) -> bool,
) -> Results<'a> {
    // What was missing in the last round, and Prometheus's targets then.
    let last = std::sync::Mutex::new((Vec::new(), None));
    let round = || async {
        let mut results = BTreeMap::new();
        for e in exprs {
            let q = substitute(&e.id, &e.expr, vars);
            let r = prometheus
                .query(&q)
                .await
                .unwrap_or_else(|err| panic!("{}: Prometheus rejects\n{q}\n{err}", e.id));
            results.insert(e.id.as_str(), (q, r));
        }
        let missing: Vec<String> = results
            .iter()
            .filter(|(id, (_, r))| r.is_empty() && !may_be_empty(id))
            .map(|(id, (q, _))| format!("{id}:\n    {q}"))
            .collect();
        if missing.is_empty() {
            return Some(results);
        }
        let targets = crate::support::get(&prometheus.addr, "/api/v1/targets").await;
        *last.lock().unwrap() = (missing, Some(targets));
        None
    };
    let context = || {
        let (missing, targets) = &*last.lock().unwrap();
        format!(
            "no data for:\n{}\nprometheus targets: {targets:?}\nprometheus log:\n{}",
            missing.join("\n"),
            prometheus.process.log()
        )
    };
    crate::support::eventually_every(
        Duration::from_secs(90),
        Duration::from_secs(1),
        "data for every expression",
        round,
        context,
    )
    .await
}
