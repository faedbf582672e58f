//! `vantages`, `defaults.vantages`, `quorum` and the node's own vantage
//! (docs/configuration.md, docs/cluster.md "Vantages and quorum"): inherited like any
//! default, and every mistake named with its place and value.

use std::path::Path;

fn load(dir: &Path, main: &str, check: &str) -> Result<emcd::config::Config, String> {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        format!("{main}include: [agencies/*.yaml]\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("agencies/a.yaml"),
        format!(
            "agency: {{id: a, code: A, name: A, kind: ministry}}\n\
             systems:\n  - id: s\n    name: S\n    kind: tthc\n    checks:\n\
             \x20     - id: c\n        http: {{url: \"http://127.0.0.1:9/\"}}\n{check}"
        ),
    )
    .unwrap();
    emcd::config::load(&dir.join("emcd.yaml")).map_err(|e| e.to_string())
}

#[test]
fn checks_inherit_vantages_and_quorum_and_may_override_them() {
    let dir = tempfile::tempdir().unwrap();
    let main = "vantages: [{id: hn-vnpt, name: \"Hà Nội (VNPT)\"}, {id: hcm}, {id: dn}]\n\
                defaults: {vantages: [hn-vnpt, hcm], quorum: 2}\n";
    let extra = "      - id: d\n        vantages: [dn, hcm, hn-vnpt]\n        quorum: 3\n\
                 \x20       http: {url: \"http://127.0.0.1:9/\"}\n";
    let cfg = load(dir.path(), main, extra).unwrap();
    let names: Vec<(&str, &str)> = cfg
        .vantages
        .iter()
        .map(|v| (v.id.as_str(), v.name.as_str()))
        .collect();
    assert_eq!(
        names,
        [("hn-vnpt", "Hà Nội (VNPT)"), ("hcm", "hcm"), ("dn", "dn")]
    );
    let checks = &cfg.agencies[0].systems[0].checks;
    assert_eq!(checks[0].policy.vantages, ["hn-vnpt", "hcm"]);
    assert_eq!(checks[0].policy.quorum, Some(2));
    assert_eq!(checks[1].policy.vantages, ["dn", "hcm", "hn-vnpt"]);
    assert_eq!(checks[1].policy.quorum, Some(3));

    // Nothing said: every vantage, a majority.
    let cfg = load(dir.path(), "", "").unwrap();
    let p = &cfg.agencies[0].systems[0].checks[0].policy;
    assert!(p.vantages.is_empty() && p.quorum.is_none() && cfg.vantages.is_empty());
}

#[test]
fn bad_vantages_and_quorums_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let main = "vantages: [{id: hn}, {id: hcm}, {id: hn}, {name: x}]\n\
                defaults: {vantages: [hn, dn], quorum: 0}\n";
    let extra = "      - id: d\n        vantages: []\n        http: {url: \"http://127.0.0.1:9/\"}\n\
                 \x20     - id: e\n        vantages: [hn, hn]\n        http: {url: \"http://127.0.0.1:9/\"}\n\
                 \x20     - id: f\n        quorum: 3\n        vantages: [hn, hcm]\n\
                 \x20       http: {url: \"http://127.0.0.1:9/\"}\n";
    let err = load(dir.path(), main, extra).unwrap_err();
    for wanted in [
        "vantages[2]: vantage \"hn\" is listed twice",
        "vantages[3]: missing key `id`",
        "defaults.vantages[1]: unknown vantage \"dn\": `vantages` declares [\"hn\", \"hcm\"]",
        "defaults.quorum: 0 is too small: expected at least 1",
        "checks[1].vantages: expected at least one vantage, e.g. [hn-vnpt]",
        "checks[2].vantages[1]: vantage \"hn\" is listed twice",
        "checks[3].quorum: quorum 3 is more than the check's 2 vantages [\"hn\", \"hcm\"]",
    ] {
        assert!(err.contains(wanted), "missing {wanted:?} in:\n{err}");
    }
}

#[test]
fn a_node_must_be_of_a_declared_vantage() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = load(dir.path(), "vantages: [{id: hn}, {id: hcm}]\n", "").unwrap();
    cfg.cluster.vantage = "hn".into();
    assert!(cfg.vantage_declared().is_ok());
    cfg.cluster.vantage = "dn".into();
    let err = cfg.vantage_declared().unwrap_err();
    assert!(
        err.contains("\"dn\"") && err.contains("[\"hn\", \"hcm\"]"),
        "{err}"
    );
    // Without declared vantages any node's vantage will do.
    let mut cfg = load(dir.path(), "", "").unwrap();
    cfg.cluster.vantage = "dn".into();
    assert!(cfg.vantage_declared().is_ok());
}
