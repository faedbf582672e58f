//! The cluster parts of the deployment kit (docs/cluster.md): the Kubernetes overlay
//! (`deploy/kubernetes/cluster/`) runs several replicas, each with its pod's name as its
//! node id and the database password from a Secret, and its main file is a config emcd
//! accepts over the example agencies; the compose cluster is checked in `deploy_kit.rs`.

mod support;

use support::kit::{files, repo, yaml};

#[test]
fn the_kubernetes_overlay_runs_named_replicas_on_postgresql() {
    let dir = repo("deploy/kubernetes/cluster");
    let kustomization = yaml(&dir.join("kustomization.yaml"));
    assert_eq!(
        kustomization["resources"][0], "..",
        "the single-node kit is the base"
    );
    let patches: Vec<&str> = kustomization["patches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    for p in &patches {
        assert!(dir.join(p).is_file(), "{p} is missing");
    }

    let sts = yaml(&dir.join("statefulset-patch.yaml"));
    assert_eq!(
        sts["metadata"]["name"], "emcd",
        "it patches the base's StatefulSet"
    );
    assert!(sts["spec"]["replicas"].as_i64().unwrap() >= 2);
    let c = &sts["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<&str> = c["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    let node = args.iter().position(|a| *a == "--node").expect("--node");
    assert_eq!(args[node + 1], "$(POD_NAME)");
    let env = c["env"].as_array().unwrap();
    let var = |name: &str| {
        env.iter()
            .find(|e| e["name"] == name)
            .unwrap_or_else(|| panic!("env {name}"))
    };
    assert_eq!(
        var("POD_NAME")["valueFrom"]["fieldRef"]["fieldPath"],
        "metadata.name"
    );
    assert_eq!(
        var("EMCD_DB_PASSWORD")["valueFrom"]["secretKeyRef"]["name"],
        "emcd-db"
    );

    // The main file, over the example agencies as the base mounts them, with the
    // password the Secret gives.
    let main = yaml(&dir.join("emcd-main-patch.yaml"));
    let text = main["data"]["emcd.yaml"].as_str().unwrap();
    assert!(text.contains("postgres:"), "{text}");
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join("agencies")).unwrap();
    for f in files(&repo("config/agencies"), ".yaml") {
        std::fs::copy(&f, tmp.path().join("agencies").join(f.file_name().unwrap())).unwrap();
    }
    std::fs::write(tmp.path().join("emcd.yaml"), text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_emcd"))
        .args(["check", "--config"])
        .arg(tmp.path().join("emcd.yaml"))
        .env("EMCD_DB_PASSWORD", "s3cret")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("PostgreSQL emcd@emcd-postgres:5432/emcd"),
        "{stdout}"
    );
    assert!(!stdout.contains("s3cret"), "{stdout}");
}
