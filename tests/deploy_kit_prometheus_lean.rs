//! The deployment kit under `metrics.per_check: lean` (docs/metrics.md, "Profiles"): a
//! real Prometheus scraping `emcd demo --metrics-per-check lean` evaluates every PromQL
//! expression of every dashboard and rule of `deploy/`. Every rule works as on the full
//! profile; every panel target returns data except those that read a family only the
//! full profile has, which say so in their panel's description. The demo's page has at
//! most six series a check. Loopback only; bounded waits; processes killed on drop.

mod support;

use std::collections::{BTreeSet, HashMap};

use support::kit::evaluate::MUST_BE_EMPTY;
use support::kit::promql::panels;
use support::kit::{files, json, repo};

/// Panel targets that read what only the full profile exports (the `probe_*` families,
/// a check's maintenance, its availability over a window other than 30 days, here
/// `$window` = 24h): they return nothing under lean (asserted), and their panel's
/// description says so. In order, as the results list them.
const FULL_ONLY: &[&str] = &[
    "emcd-agency / Checks / B",
    "emcd-agency / Checks / C",
    "emcd-agency / Checks / D",
    "emcd-agency / Checks / E",
    "emcd-agency / Checks / F",
    "emcd-agency / Systems / D",
    "emcd-check / Certificate days left / A",
    "emcd-check / Certificate expires in / A",
    "emcd-check / HTTP phase timings of the last probe / A",
    "emcd-check / HTTP status code / A",
    "emcd-check / In maintenance / A",
    "emcd-check / Last duration / A",
    "emcd-check / Last probe / A",
    "emcd-check / Last status code / A",
    "emcd-check / Probe duration / A",
    "emcd-check / State over time / B",
    "emcd-overview / Checks DOWN now / B",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn under_lean_every_rule_and_every_panel_but_the_full_only_ones_returns_data() {
    let dir = tempfile::tempdir().unwrap();
    let demo =
        support::kit::demo::Demo::start_with(dir.path(), &["--metrics-per-check", "lean"]).await;
    let prometheus = support::kit::Prometheus::start(
        dir.path(),
        &support::kit::demo::prometheus_config(&demo.addr),
    )
    .await;
    demo.wait_for_its_stories().await;

    // At most six series a check on the page Prometheus scrapes.
    let (_, page) = support::get(&demo.addr, "/metrics").await.unwrap();
    let mut per_check: HashMap<String, usize> = HashMap::new();
    for line in page.lines().filter(|l| !l.starts_with('#')) {
        if let Some(at) = line.find(",check=\"") {
            let end = line[at + 8..].find('"').unwrap() + at + 8;
            let labels = &line[line.find('{').unwrap()..end];
            *per_check.entry(labels.to_owned()).or_default() += 1;
        }
    }
    assert!(
        per_check.len() > 100,
        "{} checks on the page",
        per_check.len()
    );
    let most = per_check.iter().max_by_key(|(_, n)| **n).unwrap();
    assert!(*most.1 <= 6, "{} series for {}", most.1, most.0);
    assert!(!page.contains("\nprobe_"), "a probe_ family under lean");

    let vars = support::kit::evaluate::demo_vars(&demo.addr);
    let exprs = support::kit::promql::kit_exprs();
    let ids: BTreeSet<&str> = exprs.iter().map(|e| e.id.as_str()).collect();
    for id in FULL_ONLY {
        assert!(ids.contains(id), "{id} is no expression of the kit");
    }
    let may_be_empty =
        |id: &str| FULL_ONLY.contains(&id) || MUST_BE_EMPTY.iter().any(|(l, _)| *l == id);
    let results =
        support::kit::evaluate::until_data(&prometheus, &exprs, &vars, may_be_empty).await;
    let empty: Vec<&str> = results
        .iter()
        .filter(|(id, (_, r))| r.is_empty() && !MUST_BE_EMPTY.iter().any(|(l, _)| l == *id))
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(empty, FULL_ONLY, "the targets empty under lean");
    for (id, why) in MUST_BE_EMPTY {
        let (q, r) = &results[id];
        assert!(
            r.is_empty(),
            "{id} must return nothing ({why}), but\n{q}\nreturns {r:?}"
        );
    }

    // Each full-only target's panel says, in its description, what lean leaves out.
    for d in files(&repo("deploy/grafana/dashboards"), ".json") {
        let d = json(&d);
        let uid = d["uid"].as_str().unwrap().to_owned();
        for p in panels(&d) {
            let title = p["title"].as_str().unwrap_or("?");
            let prefix = format!("{uid} / {title} / ");
            if FULL_ONLY.iter().any(|id| id.starts_with(&prefix)) {
                let text = p["description"].as_str().unwrap_or_default();
                assert!(
                    text.contains("metrics.per_check: lean"),
                    "{prefix}: its description does not say what lean leaves out: {text:?}"
                );
            }
        }
    }
}
