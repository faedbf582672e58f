//! The deployment kit of `deploy/`, checked with the real tools: promtool (config, rules,
//! rule unit tests), amtool (config and routes), the dashboards' structure, the
//! Kubernetes ConfigMaps against `config/`, the compose file (docker-compose, when
//! installed), the systemd unit (systemd-analyze, when installed), and end to end a real
//! Prometheus scraping `emcd demo` that evaluates every PromQL expression of every
//! dashboard and rule. Everything stays on 127.0.0.1; every wait is bounded; every
//! process started is killed on drop.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use support::kit::{dashboards, files, json, on_path, read, repo, run, run_ok, yaml};

const PROMETHEUS: &str = "Debian's `prometheus` package (.ci/run installs it)";
const ALERTMANAGER: &str = "Debian's `prometheus-alertmanager` package (.ci/run installs it)";

#[test]
fn promtool_checks_the_config_and_the_rules_and_passes_the_rule_tests() {
    let prom = repo("deploy/prometheus");
    let p = |rel: &str| prom.join(rel).to_string_lossy().into_owned();
    for config in ["prometheus.yml", "prometheus.cluster.yml"] {
        run_ok("promtool", &["check", "config", &p(config)], PROMETHEUS);
    }
    let rules: Vec<String> = files(&prom.join("rules"), ".yml")
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["check", "rules"];
    args.extend(rules.iter().map(String::as_str));
    run_ok("promtool", &args, PROMETHEUS);

    let tests: Vec<String> = files(&prom.join("tests"), ".yml")
        .iter()
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    let mut args = vec!["test", "rules"];
    args.extend(tests.iter().map(String::as_str));
    run_ok("promtool", &args, PROMETHEUS);

    // Every alert rule has unit tests, firing (listed in exp_alerts) and not firing
    // (an empty exp_alerts).
    let alerts: Vec<String> = support::kit::promql::rules_in(&prom.join("rules"))
        .into_iter()
        .filter_map(|e| e.id.strip_prefix("alert ").map(str::to_owned))
        .collect();
    let mut fires = BTreeSet::new();
    let mut silent = BTreeSet::new();
    for file in &tests {
        for test in yaml(Path::new(file))["tests"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for case in test["alert_rule_test"].as_array().into_iter().flatten() {
                let name = case["alertname"].as_str().unwrap_or_default().to_owned();
                match case["exp_alerts"].as_array() {
                    Some(a) if !a.is_empty() => fires.insert(name),
                    _ => silent.insert(name),
                };
            }
        }
    }
    for alert in &alerts {
        assert!(
            fires.contains(alert),
            "no promtool test where {alert} fires"
        );
        assert!(
            silent.contains(alert),
            "no promtool test where {alert} does not fire"
        );
    }
}

#[test]
fn alertmanager_config_is_valid_and_routes_by_severity_and_agency() {
    let config = repo("deploy/alertmanager/alertmanager.yml");
    let config = config.to_string_lossy();
    run_ok("amtool", &["check-config", &config], ALERTMANAGER);
    let flag = format!("--config.file={config}");
    for (labels, receivers) in [
        (
            "alertname=CheckDown severity=critical agency=hue",
            "noc-critical",
        ),
        (
            "alertname=CheckDown severity=critical agency=bo-tu-phap",
            "bo-tu-phap,noc-critical",
        ),
        (
            "alertname=CheckDegraded severity=warning agency=bo-tu-phap",
            "bo-tu-phap,noc-warning",
        ),
        (
            "alertname=CheckDegraded severity=warning agency=ha-noi",
            "noc-warning",
        ),
        (
            "alertname=CheckDown severity=critical agency=ha-noi",
            "ha-noi,noc-critical",
        ),
        (
            "alertname=CheckErrorBudgetBurnSlow severity=warning agency=hue",
            "noc-warning",
        ),
        (
            "alertname=EmcdDown severity=critical job=emcd",
            "emcd-operators",
        ),
        (
            "alertname=EmcdNotificationsDead severity=warning receiver=ops",
            "emcd-operators",
        ),
    ] {
        let mut args = vec!["config", "routes", "test", flag.as_str()];
        args.extend(labels.split(' '));
        let out = run("amtool", &args, ALERTMANAGER);
        let got = String::from_utf8_lossy(&out.stdout);
        assert_eq!(got.trim(), receivers, "route of {labels}");
    }
}

#[test]
fn dashboards_are_valid_json_with_unique_panel_ids_and_only_the_datasource_variable() {
    let paths = files(&repo("deploy/grafana/dashboards"), ".json");
    assert_eq!(paths.len(), 4, "four dashboards: {paths:?}");
    let all: Vec<serde_json::Value> = paths.iter().map(|p| json(p)).collect();
    let uids: BTreeSet<String> = all
        .iter()
        .map(|d| d["uid"].as_str().expect("a dashboard uid").to_owned())
        .collect();
    assert_eq!(uids.len(), all.len(), "dashboard uids are unique");
    for (path, d) in paths.iter().zip(&all) {
        let problems = dashboards::problems(d, &uids);
        assert!(
            problems.is_empty(),
            "{}:\n{}",
            path.display(),
            problems.join("\n")
        );
    }
    // The provider loads them from where compose mounts them.
    let provider = yaml(&repo("deploy/grafana/provisioning/dashboards/emcd.yaml"));
    assert_eq!(
        provider["providers"][0]["options"]["path"],
        "/var/lib/grafana/dashboards/emcd"
    );
}

#[test]
fn dashboards_are_what_their_generator_writes() {
    if !on_path("python3") {
        println!("SKIPPED: python3 is not installed; tools/gen-dashboards.py not run");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().to_string_lossy().into_owned();
    let script = repo("tools/gen-dashboards.py");
    run_ok(
        "python3",
        &[&script.to_string_lossy(), "--out", &out],
        "python3",
    );
    for path in files(&repo("deploy/grafana/dashboards"), ".json") {
        let generated = dir.path().join(path.file_name().unwrap());
        assert!(
            read(&path) == read(&generated),
            "{} differs from what tools/gen-dashboards.py writes: run it again",
            path.display()
        );
    }
}

#[test]
fn kubernetes_config_maps_hold_the_example_config_and_the_statefulset_mounts_them() {
    let k8s = repo("deploy/kubernetes");
    let sts = yaml(&k8s.join("statefulset.yaml"));
    let sources = sts["spec"]["template"]["spec"]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "config")
        .expect("a config volume")["projected"]["sources"]
        .as_array()
        .unwrap()
        .clone();
    let mounted: BTreeMap<String, (String, String)> = sources
        .iter()
        .map(|s| {
            let cm = &s["configMap"];
            let item = &cm["items"][0];
            (
                item["path"].as_str().unwrap().to_owned(),
                (
                    cm["name"].as_str().unwrap().to_owned(),
                    item["key"].as_str().unwrap().to_owned(),
                ),
            )
        })
        .collect();

    let mut expected = vec![("emcd.yaml".to_owned(), repo("config/emcd.yaml"))];
    for f in files(&repo("config/agencies"), ".yaml") {
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        expected.push((format!("agencies/{name}"), f));
    }
    assert_eq!(
        mounted.len(),
        expected.len(),
        "one mounted ConfigMap per config file"
    );
    let kustomization = read(&k8s.join("kustomization.yaml"));
    for (path, source) in expected {
        let (name, key) = mounted
            .get(&path)
            .unwrap_or_else(|| panic!("{path} is not mounted: run tools/gen-kubernetes.py"));
        let file = if path == "emcd.yaml" {
            "configmaps/emcd-main.yaml".to_owned()
        } else {
            format!("configmaps/agency-{}", key)
        };
        let cm = yaml(&k8s.join(&file));
        assert_eq!(cm["kind"], "ConfigMap");
        assert_eq!(cm["metadata"]["name"], name.as_str(), "{file}");
        assert!(
            cm["data"][key.as_str()] == read(&source).as_str(),
            "{file} does not hold {} verbatim: run tools/gen-kubernetes.py",
            source.display()
        );
        assert!(
            kustomization.contains(&format!("  - {file}\n")),
            "{file} not in kustomization"
        );
    }
    // The PrometheusRules are the rule files.
    for (object, rules) in [
        ("prometheusrule-recording.yaml", "emcd-recording.yml"),
        ("prometheusrule-alerts.yaml", "emcd-alerts.yml"),
    ] {
        let spec = &yaml(&k8s.join(object))["spec"];
        assert!(
            *spec == yaml(&repo(&format!("deploy/prometheus/rules/{rules}"))),
            "{object} differs from {rules}: run tools/gen-kubernetes.py"
        );
    }
    for f in ["service.yaml", "servicemonitor.yaml", "namespace.yaml"] {
        assert!(
            kustomization.contains(&format!("  - {f}\n")),
            "{f} not in kustomization"
        );
    }
    let monitor = yaml(&k8s.join("servicemonitor.yaml"));
    let service = yaml(&k8s.join("service.yaml"));
    assert_eq!(
        monitor["spec"]["endpoints"][0]["port"],
        service["spec"]["ports"][0]["name"]
    );
    assert_eq!(
        service["metadata"]["name"], "emcd",
        "the job label the alerts expect"
    );
}

#[test]
fn compose_file_is_valid_and_its_emcd_config_loads() {
    let compose = yaml(&repo("deploy/compose.yaml"));
    for service in ["emcd", "prometheus", "alertmanager", "grafana"] {
        assert!(
            compose["services"][service].is_object(),
            "service {service}"
        );
    }
    // Every bind-mounted path exists, in the cluster's file too.
    let cluster = yaml(&repo("deploy/compose.cluster.yaml"));
    let services = compose["services"].as_object().unwrap().iter();
    for (name, service) in services.chain(cluster["services"].as_object().unwrap()) {
        for v in service["volumes"].as_array().into_iter().flatten() {
            let source = v.as_str().unwrap().split(':').next().unwrap();
            if source.starts_with('.') {
                assert!(
                    repo("deploy").join(source).exists(),
                    "{name}: {source} is missing"
                );
            }
        }
    }
    // emcd's main file in compose, over the example agencies as compose mounts them.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("agencies")).unwrap();
    for f in files(&repo("config/agencies"), ".yaml") {
        std::fs::copy(&f, dir.path().join("agencies").join(f.file_name().unwrap())).unwrap();
    }
    std::fs::copy(
        repo("deploy/compose/emcd.yaml"),
        dir.path().join("emcd.yaml"),
    )
    .unwrap();
    let main = dir.path().join("emcd.yaml");
    run_ok(
        env!("CARGO_BIN_EXE_emcd"),
        &["check", "--config", &main.to_string_lossy()],
        "emcd",
    );
    // The cluster's main file, with the password compose passes on.
    std::fs::copy(repo("deploy/compose/emcd-cluster.yaml"), &main).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_emcd"))
        .args(["check", "--config", &main.to_string_lossy()])
        .env("EMCD_DB_PASSWORD", "s3cret")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    if !on_path("docker-compose") {
        println!("SKIPPED: docker-compose is not installed; compose.yaml not validated by it");
        return;
    }
    for files in [
        vec!["compose.yaml"],
        vec!["compose.yaml", "compose.demo.yaml"],
        vec!["compose.yaml", "compose.cluster.yaml"],
    ] {
        let mut args = Vec::new();
        for f in &files {
            args.push("-f".to_owned());
            args.push(repo("deploy").join(f).to_string_lossy().into_owned());
        }
        args.extend(["config".to_owned(), "-q".to_owned()]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_ok("docker-compose", &args, "Debian's `docker-compose` package");
    }
}

#[test]
fn systemd_accepts_the_unit() {
    if !on_path("systemd-analyze") {
        println!("SKIPPED: systemd-analyze is not installed; deploy/emcd.service not verified");
        return;
    }
    // verify wants the executables to exist: point the unit at the built binary.
    let dir = tempfile::tempdir().unwrap();
    let unit = read(&repo("deploy/emcd.service"))
        .replace("/usr/local/bin/emcd", env!("CARGO_BIN_EXE_emcd"));
    let path = dir.path().join("emcd.service");
    std::fs::write(&path, unit).unwrap();
    let out = run(
        "systemd-analyze",
        &["verify", &path.to_string_lossy()],
        "systemd",
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "systemd-analyze verify:\n{text}");
    assert!(
        !text.contains("emcd.service:"),
        "systemd-analyze verify warns:\n{text}"
    );
}
