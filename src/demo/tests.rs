//! The demo's parts together, without the daemon: the simulated fleet on loopback, the
//! generated config loaded by the real loader, and one real probe per check, whose
//! verdict must be the one the plan promises.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::fleet::{Page, Simulation};
use super::plan::{self, Target};
use super::{agencies, config, tls};
use crate::config::CheckKind;
use crate::probe::Prober;
use crate::result::{ErrorKind, ResultKind};
use crate::util::unix_now;

/// What the first probe of a check must give, by target.
fn expected(target: Target) -> (ResultKind, Option<ErrorKind>) {
    match target {
        Target::Http { page, .. } => match page {
            // The first request: the flapping page starts up, the unstable one fails later.
            Page::Portal | Page::Health | Page::Flapping | Page::Unstable => (ResultKind::Up, None),
            Page::Slow => (ResultKind::Degraded, None),
            Page::Down => (ResultKind::Down, Some(ErrorKind::Status)),
            Page::Broken => (ResultKind::Down, Some(ErrorKind::Body)),
            Page::HealthDown => (ResultKind::Down, Some(ErrorKind::Json)),
        },
        Target::Tcp { open: true } => (ResultKind::Up, None),
        Target::Tcp { open: false } => (ResultKind::Down, Some(ErrorKind::Connect)),
        Target::Push => unreachable!("push checks are not probed"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_generated_check_gives_the_planned_verdict() {
    let issued_at = unix_now();
    let pki = tls::issue(SystemTime::now(), plan::CERT_VALIDITY).unwrap();
    let cert_expiry = issued_at + plan::CERT_VALIDITY.as_secs() as i64;
    let stop = CancellationToken::new();
    let simulation = Simulation::start(pki.acceptor.clone(), stop.clone())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let plan = plan::plan(&agencies::reference());
    let (_, digest) = crate::token::generate();
    let database = dir.path().join("emcd.db");
    let settings = config::MainSettings {
        listen: "127.0.0.1:9464".parse().unwrap(),
        database: &database,
        ca_pem: &pki.ca_pem,
        webhook: "http://127.0.0.1:9/alerts",
        per_check: "lean",
    };
    let main = config::write(
        &dir.path().join("config"),
        &settings,
        &plan,
        &simulation.endpoints,
        config::Digests {
            push: &digest,
            indicators: &digest,
        },
        None,
    )
    .unwrap();
    let cfg = crate::config::load_with_env(&main, &|_| None).unwrap();
    assert_eq!(
        cfg.metrics,
        crate::config::PerCheck::Lean,
        "--metrics-per-check lean"
    );
    // As the daemon builds it: the generated config's `probing.tls.ca_files` trusted.
    let roots = cfg.probing.tls.ca_files[0].certs.clone();
    let prober = Arc::new(Prober::new("emcd-demo-test", &roots).unwrap());

    let mut probes = JoinSet::new();
    for (planned_agency, planned_system, planned) in plan.iter().flat_map(|a| {
        a.systems
            .iter()
            .flat_map(move |s| s.checks.iter().map(move |c| (a, s, c)))
    }) {
        if planned.target == Target::Push {
            continue;
        }
        let id = format!(
            "{}/{}/{}",
            planned_agency.agency.id, planned_system.id, planned.id
        );
        let (_, _, check) = cfg
            .checks()
            .find(|(_, _, c)| c.full_id.as_str() == id)
            .unwrap_or_else(|| panic!("{id} is in the config"));
        let (check, target, prober) = (check.clone(), planned.target, prober.clone());
        probes.spawn(async move {
            let outcome = prober.run(&check.kind, &check.policy).await.unwrap();
            (id, target, outcome)
        });
    }
    let mut probed = 0;
    while let Some(joined) = probes.join_next().await {
        let (id, target, outcome) = joined.unwrap();
        assert_eq!(
            (outcome.result, outcome.error),
            expected(target),
            "{id}: {outcome:?}"
        );
        if let Target::Http { tls: true, .. } = target {
            let expiry = outcome.cert_expiry.expect("a TLS probe reports the expiry");
            assert!(
                (cert_expiry..=cert_expiry + 2).contains(&expiry),
                "{id}: expires at {expiry}, issued for {cert_expiry}"
            );
        }
        probed += 1;
    }
    assert!(probed > 100, "{probed} checks probed");
    let push = cfg
        .checks()
        .filter(|(_, _, c)| matches!(c.kind, CheckKind::Push(_)))
        .count();
    assert_eq!(push, 1);
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), simulation.join())
        .await
        .expect("the simulated fleet stops when cancelled");
}
