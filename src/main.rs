//! The `emcd` binary: parses the command line, sets up logging, and calls the library.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use tokio_util::sync::CancellationToken;

#[derive(Parser)]
#[command(
    name = "emcd",
    version,
    about = "Measures the service level of public-service systems"
)]
struct Cli {
    /// Log format.
    #[arg(long, value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
    /// Log level or filter (e.g. `info`, `emcd=debug`).
    #[arg(long, default_value = "info", global = true)]
    log_level: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
struct ConfigArg {
    /// Main config file.
    #[arg(long, env = "EMCD_CONFIG", default_value = "config/emcd.yaml")]
    config: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Run the daemon.
    Run {
        #[command(flatten)]
        config: ConfigArg,
        /// Address to serve on (overrides `server.listen`).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Start even when the database fails its integrity check (`PRAGMA quick_check`).
        #[arg(long)]
        ignore_corruption: bool,
        /// This node's id in a cluster on PostgreSQL (default: the host name).
        #[arg(long, value_parser = id_arg)]
        node: Option<String>,
        /// Where this node probes from (overrides `cluster.vantage`).
        #[arg(long, value_parser = id_arg)]
        vantage: Option<String>,
        /// The local address probes leave from (overrides `probing.source_address`).
        #[arg(long)]
        source_address: Option<std::net::IpAddr>,
        /// Threads of the async runtime, which runs the probes (default: one per core).
        /// Fewer wake each other less: a single one spends about a third less CPU per
        /// probe up to a few thousand probes/s, but TLS handshakes and other CPU work
        /// then share one core (docs/BENCHMARKS.md, "Runtime threads").
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..=1024))]
        worker_threads: Option<u16>,
    },
    /// Validate the whole config and print a summary, or every error found.
    Check {
        #[command(flatten)]
        config: ConfigArg,
    },
    /// Probe one URL (http, https, tcp://HOST:PORT) now and print its phases, status, certificate and verdict.
    Probe(emcd::probe::cli::ProbeArgs),
    /// Run the daemon against a simulated fleet of 51 agencies on loopback.
    Demo(emcd::demo::DemoArgs),
    /// Print a new random push token and the `sha256:` digest to put in the config.
    Token,
    /// SLA, compliance or scorecard report from the database, without a running daemon. Compliance
    /// with --month, --from or --to is over that period; without, the snapshot of now.
    Report {
        /// Which report: sla (availability, downtime and response times per check, system
        /// and agency), compliance (the share of each agency's required systems connected)
        /// or scorecard (each agency's points, grade and rank in its league).
        #[arg(value_parser = ["sla", "compliance", "scorecard"])]
        kind: String,
        #[command(flatten)]
        config: ConfigArg,
        /// A calendar month in sla.timezone (default: the current month).
        #[arg(long, conflicts_with_all = ["from", "to"])]
        month: Option<String>,
        /// Start: a date (2026-11-01) or RFC 3339 time.
        #[arg(long)]
        from: Option<String>,
        /// End: a date (included) or RFC 3339 time (excluded).
        #[arg(long)]
        to: Option<String>,
        /// Only this agency (its id).
        #[arg(long)]
        agency: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = emcd::report::format::Format::Table)]
        format: emcd::report::format::Format,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format, &cli.log_level);
    match execute(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("emcd: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn execute(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Check { config } => Ok(check(&config.config)),
        Command::Token => {
            let (token, digest) = emcd::token::generate();
            println!("token:  {token}");
            println!("config: token: \"{digest}\"");
            Ok(ExitCode::SUCCESS)
        }
        Command::Report {
            kind,
            config,
            month,
            from,
            to,
            agency,
            format,
        } => {
            let cfg = match emcd::config::load(&config.config) {
                Ok(cfg) => cfg,
                Err(errors) => {
                    eprintln!("{errors}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            let period = emcd::report::cli::period(
                cfg.sla.timezone,
                month.as_deref(),
                from.as_deref(),
                to.as_deref(),
                emcd::util::unix_now(),
            )
            .map_err(anyhow::Error::msg)?;
            let out = runtime()?.block_on(emcd::report::cli::command(
                &kind,
                &cfg,
                period,
                agency.as_deref(),
                format,
                emcd::report::cli::mode(month.as_deref(), from.as_deref(), to.as_deref()),
            ))?;
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Probe(args) => {
            let ok = runtime()?.block_on(emcd::probe::cli::probe_command(args))?;
            Ok(if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Demo(args) => {
            runtime()?.block_on(async {
                let shutdown = CancellationToken::new();
                tokio::spawn(stop_on_signal(shutdown.clone()));
                emcd::demo::run(args, shutdown).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            config,
            listen,
            ignore_corruption,
            node,
            vantage,
            source_address,
            worker_threads,
        } => {
            let mut cfg = match emcd::config::load(&config.config) {
                Ok(cfg) => cfg,
                Err(errors) => {
                    eprintln!("{errors}");
                    return Ok(ExitCode::FAILURE);
                }
            };
            if let Some(addr) = listen {
                cfg.server.listen = addr;
            }
            if let Some(v) = vantage {
                cfg.cluster.vantage = v;
            }
            if source_address.is_some() {
                cfg.probing.source_address = source_address;
            }
            if let Err(e) = cfg.vantage_declared() {
                eprintln!("{e}");
                return Ok(ExitCode::FAILURE);
            }
            runtime_with(worker_threads)?.block_on(async {
                let workers = tokio::runtime::Handle::current().metrics().num_workers();
                tracing::info!(worker_threads = workers, "async runtime started");
                let listener = tokio::net::TcpListener::bind(cfg.server.listen)
                    .await
                    .with_context(|| format!("cannot listen on {}", cfg.server.listen))?;
                let shutdown = CancellationToken::new();
                tokio::spawn(stop_on_signal(shutdown.clone()));
                let options = emcd::daemon::Options {
                    ignore_corruption,
                    node,
                    ..Default::default()
                };
                emcd::daemon::run_with(cfg, listener, shutdown, options).await
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn check(path: &Path) -> ExitCode {
    match emcd::config::load(path) {
        Ok(cfg) => {
            print!("{}", emcd::config::summary(&cfg));
            ExitCode::SUCCESS
        }
        Err(errors) => {
            eprintln!("{errors}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    runtime_with(None)
}

/// The runtime with `threads` workers; `None`: tokio's default (one per core, or
/// `TOKIO_WORKER_THREADS`).
fn runtime_with(threads: Option<u16>) -> anyhow::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    if let Some(n) = threads {
        builder.worker_threads(usize::from(n));
    }
    builder
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Cancels `shutdown` on SIGTERM or SIGINT.
async fn stop_on_signal(shutdown: CancellationToken) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; stop emcd with SIGKILL");
        return;
    };
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    tracing::info!(signal = name, "shutting down");
    shutdown.cancel();
}

fn init_logging(format: LogFormat, level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level).unwrap_or_else(|e| {
        eprintln!("emcd: invalid --log-level {level:?} ({e}); using info");
        tracing_subscriber::EnvFilter::new("info")
    });
    use std::io::IsTerminal as _;
    let colour = emcd::util::log_colour(
        std::io::stderr().is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

/// An id argument (`--node`, `--vantage`): what config ids allow.
fn id_arg(s: &str) -> Result<String, String> {
    emcd::config::parse_id(s)
}
