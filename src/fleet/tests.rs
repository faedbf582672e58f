//! Tests of `fleet`, declared `#[cfg(test)] mod tests;` in `fleet.rs`: what a reload's
//! rebuild carries over, shares, resets and counts.

use super::*;
use crate::alert_vocab::{AlertName, Firing};
use crate::check::state::CheckStatus;

/// A config with one agency and system holding `checks` (id, timeout), all http.
fn config(dir: &std::path::Path, checks: &[(&str, &str)]) -> Arc<Config> {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(dir.join("emcd.yaml"), "include: [agencies/*.yaml]\n").unwrap();
    let mut yaml = String::from(
        "agency: {id: bo-y-te, code: BYT, name: Bộ Y tế, kind: ministry}\n\
         systems:\n  - id: cong\n    name: Cổng\n    kind: portal\n    checks:\n",
    );
    for (id, timeout) in checks {
        yaml.push_str(&format!(
            "      - id: {id}\n        timeout: {timeout}\n        http: {{url: \"http://127.0.0.1:9/\"}}\n"
        ));
    }
    std::fs::write(dir.join("agencies/bo-y-te.yaml"), yaml).unwrap();
    Arc::new(crate::config::load(&dir.join("emcd.yaml")).unwrap())
}

fn ids(names: &[&str]) -> HashMap<String, i64> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (format!("bo-y-te/cong/{n}"), i as i64 + 1))
        .collect()
}

#[test]
fn a_rebuild_shares_unchanged_checks_carries_changed_ones_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let all = ids(&["same", "changed", "gone", "new"]);
    let old = Fleet::build(
        config(
            dir.path(),
            &[("same", "5s"), ("changed", "5s"), ("gone", "5s")],
        ),
        &all,
    );
    let firing = Firing {
        starts_at: 100,
        last_notified_at: 100,
    };
    for c in &old.checks {
        let mut live = c.live.lock().unwrap();
        live.state.status = CheckStatus::Down;
        live.alerts[AlertName::CheckDown.slot()] = Some(firing);
        live.counts[2] = 7;
    }

    let new_config = config(
        dir.path(),
        &[("same", "5s"), ("changed", "6s"), ("new", "5s")],
    );
    let (new, diff) = Fleet::rebuild(new_config, &all, Some(&old));
    assert_eq!(
        (diff.added, diff.removed, diff.changed, diff.unchanged),
        (1, 1, 1, 1)
    );
    let live = |f: &Fleet, id: &str| {
        f.get_str(&format!("bo-y-te/cong/{id}"))
            .unwrap()
            .live
            .clone()
    };
    // Unchanged: the very same live state.
    assert!(Arc::ptr_eq(&live(&old, "same"), &live(&new, "same")));
    // Changed: a copy, with its state and its alert (its identity) kept.
    let (before, after) = (live(&old, "changed"), live(&new, "changed"));
    assert!(!Arc::ptr_eq(&before, &after));
    let after = after.lock().unwrap();
    assert_eq!(after.state.status, CheckStatus::Down);
    assert_eq!(after.alerts[AlertName::CheckDown.slot()], Some(firing));
    assert_eq!(
        new.get_str("bo-y-te/cong/changed")
            .unwrap()
            .config
            .policy
            .timeout
            .as_secs(),
        6
    );
    // Added: fresh. Removed: gone from the table.
    let added = live(&new, "new");
    assert_eq!(added.lock().unwrap().state.status, CheckStatus::Up);
    assert!(added.lock().unwrap().alerts.iter().all(Option::is_none));
    assert!(new.get_str("bo-y-te/cong/gone").is_none());
}

/// One http check with this Authorization header and body regex.
fn secret_config(dir: &std::path::Path, auth: &str, regex: &str) -> Arc<Config> {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(dir.join("emcd.yaml"), "include: [agencies/*.yaml]\n").unwrap();
    let yaml = format!(
        "agency: {{id: bo-y-te, code: BYT, name: Bộ Y tế, kind: ministry}}\n\
         systems:\n  - id: cong\n    name: Cổng\n    kind: portal\n    checks:\n\
         \x20     - id: api\n        http:\n          url: \"http://127.0.0.1:9/\"\n\
         \x20         headers: {{Authorization: \"{auth}\"}}\n\
         \x20       expect: {{body_regex: \"{regex}\"}}\n"
    );
    std::fs::write(dir.join("agencies/bo-y-te.yaml"), yaml).unwrap();
    Arc::new(crate::config::load(&dir.join("emcd.yaml")).unwrap())
}

#[test]
fn a_changed_secret_header_or_regex_is_a_changed_check() {
    let dir = tempfile::tempdir().unwrap();
    let all = ids(&["api"]);
    let old = Fleet::build(secret_config(dir.path(), "Bearer one", "ok"), &all);
    let diff = |auth: &str, regex: &str| {
        let new = secret_config(dir.path(), auth, regex);
        let (_, d) = Fleet::rebuild(new, &all, Some(&old));
        (d.changed, d.unchanged)
    };
    // An Authorization value is sensitive: its Debug form hides it, equality does not.
    assert_eq!(diff("Bearer two", "ok"), (1, 0));
    assert_eq!(diff("Bearer one", "o+k"), (1, 0));
    assert_eq!(diff("Bearer one", "ok"), (0, 1));
}

/// What every check of a fleet holds stays within the budget docs/BENCHMARKS.md
/// ("Memory at 100,000 checks") measured: its live state, its runtime entry and its
/// config; and checks without an `expect` section share one set of expectations.
#[test]
fn a_check_costs_what_the_memory_budget_says() {
    use std::mem::size_of;
    let sizes = [
        ("Live", size_of::<Live>(), 464),
        ("LastResult", size_of::<LastResult>(), 100),
        ("CheckRuntime", size_of::<CheckRuntime>(), 96),
        ("Check", size_of::<Check>(), 384),
    ];
    for (what, size, budget) in sizes {
        assert!(size <= budget, "{what}: {size} bytes, more than {budget}");
    }
    let dir = tempfile::tempdir().unwrap();
    let fleet = Fleet::build(
        config(dir.path(), &[("a", "5s"), ("b", "5s")]),
        &ids(&["a", "b"]),
    );
    let expect = |i: usize| match &fleet.checks[i].config.kind {
        crate::config::CheckKind::Http(h) => h.expect.clone(),
        other => panic!("{other:?}"),
    };
    assert!(Arc::ptr_eq(&expect(0), &expect(1)));
    assert_eq!(expect(0).status, vec![200..=399]);
}
