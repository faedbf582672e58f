//! Tests of `alert::evaluate`, declared `#[cfg(test)] mod tests;` in `evaluate.rs`: the
//! per-result decisions on a real check runtime, table by table.

use super::*;
use crate::alert::rules::Action;
use crate::check::state::CheckStatus;
use crate::fleet::Fleet;

/// A one-check fleet with `repeat_interval` and `cert_min_days`.
fn fleet(dir: &std::path::Path, repeat: &str, cert_min_days: u32) -> Fleet {
    std::fs::create_dir_all(dir.join("agencies")).unwrap();
    std::fs::write(
        dir.join("emcd.yaml"),
        format!("alerting: {{repeat_interval: {repeat}}}\ninclude: [agencies/*.yaml]\n"),
    )
    .unwrap();
    std::fs::write(
        dir.join("agencies/bo-y-te.yaml"),
        format!(
            "agency: {{id: bo-y-te, code: BYT, name: Bộ Y tế, kind: ministry}}\n\
             systems:\n  - id: cong\n    name: Cổng\n    kind: portal\n    checks:\n\
             \x20     - id: web\n        cert_min_days: {cert_min_days}\n        http: {{url: \"https://127.0.0.1:9/\"}}\n"
        ),
    )
    .unwrap();
    let config = Arc::new(crate::config::load(&dir.join("emcd.yaml")).unwrap());
    let ids = [("bo-y-te/cong/web".to_owned(), 1)].into_iter().collect();
    Fleet::build(config, &ids)
}

fn actions(changes: &[Change]) -> Vec<(AlertName, Action)> {
    changes.iter().map(|c| (c.name, c.action)).collect()
}

#[test]
fn down_fires_once_repeats_on_time_and_resolves() {
    let dir = tempfile::tempdir().unwrap();
    let f = fleet(dir.path(), "1m", 0);
    let c = &f.checks[0];
    let mut live = Live::default();
    let decide_at = |live: &mut Live, now| decide(live, c, &f.config, false, now);
    assert!(decide_at(&mut live, 100).is_empty(), "UP: nothing");
    live.state.status = CheckStatus::Down;
    assert_eq!(
        actions(&decide_at(&mut live, 100)),
        [(AlertName::CheckDown, Action::Fire)]
    );
    assert!(
        decide_at(&mut live, 130).is_empty(),
        "still down: no second notification"
    );
    assert_eq!(
        actions(&decide_at(&mut live, 160)),
        [(AlertName::CheckDown, Action::Repeat)]
    );
    live.state.status = CheckStatus::Up;
    let resolved = decide_at(&mut live, 170);
    assert_eq!(
        actions(&resolved),
        [(AlertName::CheckDown, Action::Resolve)]
    );
    assert_eq!(
        resolved[0].starts_at, 100,
        "a resolve keeps when the alert began"
    );
    assert!(live.alerts.iter().all(Option::is_none));
}

#[test]
fn degraded_and_an_expiring_certificate_fire_their_own_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let f = fleet(dir.path(), "0s", 14);
    let c = &f.checks[0];
    let mut live = Live::default();
    live.state.status = CheckStatus::Degraded;
    live.cert_expiry = Some(100 + 13 * 86_400);
    let fired = actions(&decide(&mut live, c, &f.config, false, 100));
    assert_eq!(
        fired,
        [
            (AlertName::CheckDegraded, Action::Fire),
            (AlertName::CertificateExpiring, Action::Fire)
        ]
    );
    // With repeat_interval 0 nothing is ever repeated.
    assert!(decide(&mut live, c, &f.config, false, 100 + 86_400).is_empty());
}

#[test]
fn nothing_fires_inside_a_maintenance_window() {
    let dir = tempfile::tempdir().unwrap();
    let f = fleet(dir.path(), "1m", 0);
    let c = &f.checks[0];
    let mut live = Live::default();
    live.state.status = CheckStatus::Down;
    assert!(decide(&mut live, c, &f.config, true, 100).is_empty());
    assert!(live.alerts.iter().all(Option::is_none));
    assert_eq!(
        actions(&decide(&mut live, c, &f.config, false, 200)),
        [(AlertName::CheckDown, Action::Fire)]
    );
}
