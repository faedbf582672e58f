//! The kit's dashboards and rules give the same answers with one node or three, and
//! across a leader change (docs/cluster.md, "Metrics"): the same agencies run as a
//! single node on SQLite and as a cluster of three real nodes on a real PostgreSQL; one
//! real Prometheus scrapes the single node, another scrapes all three, both with the
//! kit's rules. Every expression of the agency, check and overview dashboards and every
//! rule about checks, systems and agencies returns the same series (without
//! `instance`) from both, with the same values where no rate is involved; then the
//! leader is SIGKILLed and, once another leads, the same holds again. The per-process
//! expressions (the emcd-self dashboard, the `Emcd*` alerts, the per-instance lag
//! record) are about each node and are left out.

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::Ordering;
use std::time::Duration;

use support::kit::{promql, Prometheus};
use support::postgres::Postgres;
use support::{eventually_every, get, sample, samples, start_target, Daemon};

fn write_config(dir: &Path, storage: &str, target: &str) {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    let main = format!("{storage}cluster: {{lease: 3s}}\ninclude: [agencies/*.yaml]\n");
    std::fs::write(dir.join("emcd.yaml"), main).unwrap();
    let mut agency = String::from(
        "agency: {id: bo-cong-an, code: BCA, name: Bộ Công an, kind: ministry}\n\
         systems:\n  - id: cong-dich-vu-cong\n    name: Cổng dịch vụ công\n    kind: tthc\n    checks:\n",
    );
    for (id, path) in [("trang-chu", "ok"), ("tra-cuu", "ok"), ("loi", "dyn")] {
        agency.push_str(&format!(
            "      - {{id: {id}, interval: 1s, timeout: 500ms, http: {{url: \"http://{target}/{path}\"}}}}\n"
        ));
    }
    std::fs::write(dir.join("agencies/bo-cong-an.yaml"), agency).unwrap();
}

/// Each series of an answer as its labels without `instance`, and its value. The
/// overview's recorded counts and rates keep `instance` (its variable selects them) and
/// the overview sums them; series that differ only by `instance` (a rate from the old
/// leader and one from the new after a leader change) are summed here the same way.
fn answer(result: &[serde_json::Value]) -> Vec<(String, f64)> {
    let mut out: BTreeMap<String, f64> = BTreeMap::new();
    for s in result {
        let mut m = s["metric"].as_object().cloned().unwrap_or_default();
        m.remove("instance");
        let v: f64 = s["value"][1]
            .as_str()
            .unwrap_or("NaN")
            .parse()
            .unwrap_or(f64::NAN);
        *out.entry(serde_json::Value::Object(m).to_string())
            .or_insert(0.0) += v;
    }
    out.into_iter().collect()
}

/// Expressions that must have data in both before answers are compared (an empty
/// answer from both agrees trivially): states, alerts, a rate, a quantile, a record.
const WITH_DATA: &[&str] = &[
    "emcd-agency / Checks DOWN / A",
    "emcd-agency / Alerts firing / A",
    "emcd-agency / Probe results per second / A",
    "emcd-agency / Response time percentiles by system / B",
    "emcd-check / Last probe / A",
    "emcd-overview / Checks DOWN now / A",
    "record agency:emcd_checks_down:sum",
    "record agency_system_check:emcd_probe_errors:ratio_rate5m",
];

/// The expressions whose answers differ between the two Prometheus servers, and those
/// that lack data in both although they must have it; empty when all agree.
async fn differences(one: &Prometheus, three: &Prometheus) -> Vec<String> {
    let vars: BTreeMap<&str, String> = [
        ("agency", "bo-cong-an"),
        ("system", "cong-dich-vu-cong"),
        ("check", "loi"),
        ("window", "1h"),
        // The overview's installation: the kit's scrape job, all its instances.
        ("job", "emcd"),
        ("instance", ".+"),
        ("__rate_interval", "1m"),
        ("__interval", "15s"),
        ("__range", "1h"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect();
    let per_process = |id: &str| {
        ["emcd-self", "alert Emcd", "record job_instance:"]
            .iter()
            .any(|p| id.starts_with(p))
    };
    let exprs = promql::kit_exprs();
    let mut out = Vec::new();
    for id in WITH_DATA {
        assert!(
            exprs.iter().any(|e| e.id == *id),
            "{id} is no expression of the kit"
        );
    }
    for e in exprs.iter().filter(|e| !per_process(&e.id)) {
        let q = promql::substitute(&e.id, &e.expr, &vars);
        let (a, b) = (one.query(&q).await.unwrap(), three.query(&q).await.unwrap());
        let (a, b) = (answer(&a), answer(&b));
        let rated = ["rate(", "increase(", "histogram_quantile"]
            .iter()
            .any(|f| q.contains(f));
        let close = |x: f64, y: f64| {
            (x.is_nan() && y.is_nan()) || (x - y).abs() <= 0.02 + 0.1 * x.abs().max(y.abs())
        };
        let same = a.len() == b.len()
            && a.iter()
                .zip(&b)
                .all(|((la, va), (lb, vb))| la == lb && (rated || close(*va, *vb)));
        if !same {
            out.push(format!(
                "{}:\n  {q}\n  one node: {a:?}\n  three:    {b:?}",
                e.id
            ));
        } else if a.is_empty() && WITH_DATA.contains(&e.id.as_str()) {
            out.push(format!("{}: no data yet", e.id));
        }
    }
    out
}

/// Waits (bounded) until the two Prometheus servers agree; fails with the last
/// differences and the nodes' logs.
async fn wait_agree(one: &Prometheus, three: &Prometheus, what: &str, nodes: &[Daemon]) {
    let last = std::sync::Mutex::new(Vec::new());
    let agree = || async {
        let d = differences(one, three).await;
        let ok = d.is_empty();
        *last.lock().unwrap() = d;
        ok.then_some(())
    };
    let context = || {
        let logs: Vec<String> = nodes.iter().map(|d| d.log()).collect();
        format!(
            "{}\n{}",
            last.lock().unwrap().join("\n"),
            logs.join("\n---\n")
        )
    };
    let (within, step) = (Duration::from_secs(60), Duration::from_secs(2));
    eventually_every(within, step, what, agree, context).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboards_and_rules_answer_the_same_with_one_node_or_three() {
    let pg = Postgres::start();
    let url = pg.create("emcd").await;
    let target = start_target().await;
    target.dyn_status.store(503, Ordering::SeqCst);
    let root = tempfile::tempdir().unwrap();
    let t = target.addr.to_string();
    let single_dir = root.path().join("single");
    write_config(&single_dir, "storage: {path: emcd.db}\n", &t);
    let single = Daemon::start(&single_dir, &single_dir.join("emcd.yaml"));
    let mut nodes = Vec::new();
    for n in ["a", "b", "c"] {
        let dir = root.path().join(n);
        write_config(&dir, &format!("storage: {{postgres: \"{url}\"}}\n"), &t);
        let node = format!("node-{n}");
        let d = Daemon::start_args(&dir, &dir.join("emcd.yaml"), &["--node", &node]);
        d.wait_ready().await;
        nodes.push(d);
    }
    single.wait_ready().await;
    let (p1_dir, p3_dir) = (root.path().join("p1"), root.path().join("p3"));
    std::fs::create_dir_all(&p1_dir).unwrap();
    std::fs::create_dir_all(&p3_dir).unwrap();
    let one = Prometheus::start(
        &p1_dir,
        &support::kit::demo::prometheus_config_for(&[&single.addr]),
    )
    .await;
    let addrs: Vec<&str> = nodes.iter().map(|d| d.addr.as_str()).collect();
    let three =
        Prometheus::start(&p3_dir, &support::kit::demo::prometheus_config_for(&addrs)).await;

    // Until both have a few scrapes and rule evaluations, the answers may differ.
    wait_agree(&one, &three, "the same answers", &nodes).await;

    // SIGKILL the leader; once another leads, the answers agree again.
    let mut leader = None;
    for (i, d) in nodes.iter().enumerate() {
        let s = samples(&get(&d.addr, "/metrics").await.unwrap().1);
        if sample(&s, "emcd_cluster_leader", &[]) == Some(1.0) {
            leader = Some(i);
        }
    }
    let mut dead = nodes.remove(leader.expect("a leader"));
    dead.signal("KILL");
    let _ = dead.child.wait();
    let what = "the same answers after the leader's death";
    wait_agree(&one, &three, what, &nodes).await;
    drop(pg);
}
