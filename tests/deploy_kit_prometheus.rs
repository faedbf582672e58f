//! The deployment kit end to end: a real Prometheus scraping `emcd demo` evaluates every
//! PromQL expression of every dashboard and rule of `deploy/` (the static checks of the
//! kit are in `deploy_kit.rs`). Everything stays on 127.0.0.1; every wait is bounded;
//! every process started is killed on drop.

mod support;

use std::collections::BTreeSet;

use support::kit::evaluate::MUST_BE_EMPTY;
use support::kit::{files, json, read, repo, run_ok};

/// Expressions that may return nothing here, and why. Everything else must return data,
/// the self-health dashboard's delivery panels included: the demo delivers its alerts.
const MAY_BE_EMPTY: &[(&str, &str)] = &[];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_dashboard_and_rule_expression_returns_data_from_prometheus_scraping_the_demo() {
    let dir = tempfile::tempdir().unwrap();
    let demo = support::kit::demo::Demo::start(dir.path()).await;
    let prometheus = support::kit::Prometheus::start(
        dir.path(),
        &support::kit::demo::prometheus_config(&demo.addr),
    )
    .await;
    demo.wait_for_its_stories().await;

    let vars = support::kit::evaluate::demo_vars(&demo.addr);

    let dashboards: Vec<serde_json::Value> = files(&repo("deploy/grafana/dashboards"), ".json")
        .iter()
        .map(|p| json(p))
        .collect();
    let exprs = support::kit::promql::kit_exprs();
    let ids: BTreeSet<&str> = exprs.iter().map(|e| e.id.as_str()).collect();
    for (id, _) in MUST_BE_EMPTY.iter().chain(MAY_BE_EMPTY) {
        assert!(
            ids.contains(id),
            "{id} is listed as empty but is no expression of the kit"
        );
    }
    let listed = |id: &str| {
        MUST_BE_EMPTY
            .iter()
            .chain(MAY_BE_EMPTY)
            .any(|(l, _)| *l == id)
    };

    // Rounds until every expression that should has data (two scrapes and a rule
    // evaluation at least; rates need two samples), bounded.
    let results = support::kit::evaluate::until_data(&prometheus, &exprs, &vars, listed).await;
    for (id, why) in MUST_BE_EMPTY {
        let (q, r) = &results[id];
        assert!(
            r.is_empty(),
            "{id} must return nothing ({why}), but\n{q}\nreturns {r:?}"
        );
    }
    let may: Vec<&str> = MAY_BE_EMPTY
        .iter()
        .filter(|(id, _)| results[id].1.is_empty())
        .map(|(id, _)| *id)
        .collect();
    println!(
        "{} expressions evaluated; empty as allowed: {may:?}",
        results.len()
    );

    // The overview shows one installation: every one of its queries selects the `job`
    // and `instance` variables, so another job's name leaves each of them empty (the
    // same queries returned data above), and `instance`'s "All" value (`.+`) is the
    // demo's one instance (data where there was data).
    let mut other = vars.clone();
    other.insert("job", "another-emcd".to_owned());
    let mut all = vars.clone();
    all.insert("instance", ".+".to_owned());
    let overview: Vec<_> = exprs
        .iter()
        .filter(|e| e.id.starts_with("emcd-overview / "))
        .collect();
    assert!(
        overview.len() > 15,
        "{} overview expressions",
        overview.len()
    );
    for e in overview {
        for token in ["job=\"$job\"", "instance=~\"$instance\""] {
            let selectors = e.expr.matches('{').count();
            let selected = e.expr.matches(token).count();
            assert_eq!(
                selected, selectors,
                "{}: {selected} of {selectors} selectors have {token}: {}",
                e.id, e.expr
            );
        }
        let q = support::kit::promql::substitute(&e.id, &e.expr, &other);
        let r = prometheus.query(&q).await.unwrap();
        assert!(r.is_empty(), "{}: another job's\n{q}\nreturns {r:?}", e.id);
        let q = support::kit::promql::substitute(&e.id, &e.expr, &all);
        let r = prometheus.query(&q).await.unwrap();
        assert_eq!(
            r.is_empty(),
            results[e.id.as_str()].1.is_empty(),
            "{}: all instances'\n{q}\nreturns {r:?}",
            e.id
        );
    }

    // Every variable's query offers the value used above.
    for d in &dashboards {
        for (id, selector, label) in support::kit::promql::variable_queries(d) {
            let name = id.rsplit('$').next().unwrap();
            let selector = support::kit::promql::substitute(&id, &selector, &vars);
            let offered: BTreeSet<String> = prometheus
                .query(&selector)
                .await
                .unwrap_or_else(|err| panic!("{id}: Prometheus rejects {selector}: {err}"))
                .iter()
                .filter_map(|s| s["metric"][label.as_str()].as_str().map(str::to_owned))
                .collect();
            assert!(
                offered.contains(&vars[name]),
                "{id} offers {offered:?}, not {}",
                vars[name]
            );
        }
    }

    // The image's HEALTHCHECK command (emcd probing its own /readyz) passes.
    let dockerfile = read(&repo("deploy/Dockerfile"));
    let check = dockerfile
        .split("HEALTHCHECK")
        .nth(1)
        .and_then(|rest| rest.split("CMD ").nth(1))
        .and_then(|cmd| cmd.lines().next())
        .expect("a HEALTHCHECK CMD in deploy/Dockerfile");
    let argv: Vec<String> = serde_json::from_str::<Vec<String>>(check)
        .expect("HEALTHCHECK CMD in exec (JSON) form")
        .into_iter()
        .map(|a| {
            a.replace("/usr/local/bin/emcd", env!("CARGO_BIN_EXE_emcd"))
                .replace("127.0.0.1:9464", &demo.addr)
        })
        .collect();
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    run_ok(argv[0], &argv[1..], "emcd");
}
