//! The helpers of the integration tests, one tree for all of them; a test file declares
//! `mod support;` and imports what it needs from here (`support::X`, or the public
//! modules `support::config`, `support::fixture`, `support::kit`, `support::postgres`).
//!
//! - `http`: the one HTTP client (`send`, `request`, `get`); `https`: one over TLS for
//!   emcd's own listener (`send_tls`), with the certificate the server presented.
//! - `target`, `tls`, `probe`: loopback servers to probe, test certificates, probe specs.
//! - `config`: the config fixtures of `tests/fixtures/config/`.
//! - `process`, `metrics`, `seed`, `hook`: the `emcd` binary as a child process, its
//!   `/metrics`, a database seeded before it starts, a webhook receiver.
//! - `proxy`: a real forwarding proxy (tinyproxy) on loopback, for deliveries.
//! - `postgres`: a real PostgreSQL on a free loopback port; `engines`: a store of
//!   either engine on it or on a SQLite file.
//! - `in_process`, `fixture`: the daemon run in the test's process, and the API tests'
//!   seeded fleet.
//! - `kit`: the deployment kit's files, Prometheus and `emcd demo`.
//!
//! Modules import only `eventually` from here and modules listed before them (`kit`
//! and `fixture` last; nothing imports them). Everything stays on 127.0.0.1 and every
//! wait is bounded, most of them by [`eventually`].
#![allow(dead_code, unused_imports)]

pub mod config;
pub mod engines;
pub mod fixture;
mod hook;
mod http;
mod https;
mod in_process;
pub mod kit;
mod metrics;
pub mod postgres;
mod probe;
mod process;
mod proxy;
mod seed;
mod target;
mod tls;

use std::future::Future;
use std::time::{Duration, Instant};

pub use hook::{Hook, Received};
pub use http::{get, request, send, Response};
pub use https::{send_tls, TlsResponse};
pub use in_process::{crate_file, now, per_second, unix, ConfigDir, Running};
pub use metrics::{sample, samples, wait_metrics};
pub use probe::{assert_phases_sum, http_spec, policy, prober, roomy, tcp_spec};
pub use process::{free_port, stop, terminate, Daemon, PROXY_VARIABLES};
pub use proxy::Tinyproxy;
pub use seed::{alerting_agency, seed};
pub use target::{redirect, reply, serve, serve_tls, start_target, Reply, Request, Server, Target};
pub use tls::{self_signed, Ca, Leaf};

/// How often [`eventually`] polls.
pub const STEP: Duration = Duration::from_millis(100);

/// Polls `f` every [`STEP`] until it gives `Some`, and returns that; panics with
/// "timed out after {within:?} waiting for {what}" once `within` has passed.
pub async fn eventually<T, F, Fut>(within: Duration, what: &str, f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    eventually_every(within, STEP, what, f, String::new).await
}

/// [`eventually`], and on timeout the panic message goes on with `on_timeout()` (a
/// log, the last page seen).
pub async fn eventually_or<T, F, Fut>(
    within: Duration,
    what: &str,
    f: F,
    on_timeout: impl FnOnce() -> String,
) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    eventually_every(within, STEP, what, f, on_timeout).await
}

/// [`eventually_or`], polling every `step`.
pub async fn eventually_every<T, F, Fut>(
    within: Duration,
    step: Duration,
    what: &str,
    mut f: F,
    on_timeout: impl FnOnce() -> String,
) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(done) = f().await {
            return done;
        }
        if Instant::now() >= deadline {
            let context = on_timeout();
            let sep = if context.is_empty() { "" } else { "; " };
            panic!("timed out after {within:?} waiting for {what}{sep}{context}");
        }
        tokio::time::sleep(step).await;
    }
}
