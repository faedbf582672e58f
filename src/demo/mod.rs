//! `emcd demo`: the embedded default a newcomer runs first (README.md, "Running"). It starts a simulated
//! fleet of agency endpoints on loopback (`fleet`, with its own short-lived TLS
//! certificate from `tls`), writes a config for all 51 agencies of the reference data
//! (`agencies`, `plan`, `config`) under `<data-dir>/config/`, loads it with the ordinary
//! loader, runs the real daemon against it with the demo CA trusted, pushes heartbeats
//! for the push-only system (`pusher`) and a few agencies' monthly indicators
//! (`indicators`), and prints where to look (`banner`). With Chromium installed, a few
//! pages of known load timing get browser checks (`browser`, serving `web_pages`). Every alert is routed to the
//! demo's own webhook receiver (`receiver`), which prints each notification that arrives.
//!
//! Everything it starts is owned: the pushers and the banner stop with the shutdown token;
//! the simulated servers stop after the daemon has drained its in-flight probes, so no
//! probe sees its endpoint vanish. Nothing here reaches beyond 127.0.0.1 except the
//! daemon's listener, which the user chooses.

mod agencies;
mod banner;
mod browser;
mod config;
mod fleet;
mod indicators;
mod merged;
mod plan;
mod pusher;
mod receiver;
mod tls;
pub mod web_pages;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::daemon::{self, Options};

/// How long the demo waits for its own tasks once the daemon has stopped.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// `emcd demo` flags.
#[derive(Clone, Debug, clap::Args)]
pub struct DemoArgs {
    /// Address to serve the status page, /metrics, the API and the push endpoint on.
    #[arg(long, default_value = "127.0.0.1:9464")]
    pub listen: SocketAddr,
    /// Directory for the generated config (`config/`) and the database (`emcd.db`);
    /// created if missing, kept between runs.
    #[arg(long, default_value = "data/demo")]
    pub data_dir: PathBuf,
    /// What /metrics carries per check: `full`, or `lean` (six series a check;
    /// docs/metrics.md, "Profiles").
    #[arg(long, default_value = "full", value_parser = ["full", "lean"])]
    pub metrics_per_check: String,
}

/// Runs the demo until `shutdown` is cancelled (Ctrl-C, SIGTERM), then stops everything
/// it started and returns once the daemon has flushed its results.
pub async fn run(args: DemoArgs, shutdown: CancellationToken) -> anyhow::Result<()> {
    let listener = TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {} (try --listen)", args.listen))?;
    let daemon_addr = reachable(listener.local_addr()?);

    let pki = tls::issue(SystemTime::now(), plan::CERT_VALIDITY)?;
    // Cancelled once the daemon has returned, or on any early error (drop guard).
    let servers_stop = CancellationToken::new();
    let _servers_guard = servers_stop.clone().drop_guard();
    let simulation = fleet::Simulation::start(pki.acceptor.clone(), servers_stop.clone())
        .await
        .context("starting the simulated fleet on 127.0.0.1")?;

    let pages = browser::start(servers_stop.clone()).await?;
    let receiver = receiver::Receiver::bind()
        .await
        .context("starting the demo's webhook receiver on 127.0.0.1")?;
    let (token, digest) = crate::token::generate();
    let (indicators_token, indicators_digest) = crate::token::generate();
    let plan = plan::plan(&agencies::reference());
    let database = args.data_dir.join("emcd.db");
    let settings = config::MainSettings {
        listen: args.listen,
        database: &database,
        ca_pem: &pki.ca_pem,
        webhook: &receiver.url(),
        per_check: &args.metrics_per_check,
    };
    let config_dir = args.data_dir.join("config");
    let main_file = config::write(
        &config_dir,
        &settings,
        &plan,
        &simulation.endpoints,
        config::Digests {
            push: &digest,
            indicators: &indicators_digest,
        },
        pages.as_ref(),
    )
    .with_context(|| format!("writing the demo config into {}", config_dir.display()))?;
    let cfg = crate::config::load(&main_file).map_err(|errors| {
        anyhow::anyhow!("the generated demo config is invalid (a bug in emcd demo):\n{errors}")
    })?;

    let ready = CancellationToken::new();
    let tasks_stop = shutdown.child_token();
    let mut tasks = JoinSet::new();
    let (agency, system, check) = plan::PUSH_CHECK;
    let pusher = pusher::Pusher {
        daemon: daemon_addr,
        path: format!("/api/v1/push/{agency}/{system}/{check}"),
        token,
    };
    let reporter = indicators::Reporter {
        daemon: daemon_addr,
        token: indicators_token,
        agencies: indicators::agencies(&cfg),
        timezone: cfg.sla.timezone,
    };
    let banner = banner::Banner::new(
        &cfg.clone().live_at(crate::util::unix_now()),
        &plan,
        daemon_addr,
        (&main_file, &database),
        &pusher,
        &reporter,
    );
    tasks.spawn(banner.print_when_ready(ready.clone(), tasks_stop.clone()));
    tasks.spawn(pusher.run(ready.clone(), tasks_stop.clone()));
    // Stops with the simulated servers, once the daemon has returned: deliveries
    // still in flight at shutdown find it listening.
    tasks.spawn(receiver.run(servers_stop.clone()));
    tasks.spawn(reporter.run(ready.clone(), tasks_stop.clone()));

    let options = Options {
        ready: Some(ready),
        ..Options::default()
    };
    let result = daemon::run_with(cfg, listener, shutdown, options).await;

    tasks_stop.cancel();
    servers_stop.cancel();
    let stopped = tokio::time::timeout(STOP_GRACE, async {
        while tasks.join_next().await.is_some() {}
        simulation.join().await;
        if let Some(p) = pages {
            let _ = p.server.await;
        }
    })
    .await;
    if stopped.is_err() {
        tracing::warn!("demo tasks did not stop within {STOP_GRACE:?}; abandoning them");
    }
    result
}

/// An address a client on this machine can connect to: the wildcard addresses become
/// loopback.
fn reachable(addr: SocketAddr) -> SocketAddr {
    let ip = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, addr.port())
}

#[cfg(test)]
mod tests;
