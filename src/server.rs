//! The HTTP server and its routing: `/healthz`, `/readyz`, `/metrics` here; the JSON
//! API, push heartbeats and reload in `api`, the status page in `web`. It takes an already bound listener and a shutdown token, so tests bind
//! `127.0.0.1:0`; with `server.tls` it speaks HTTPS (`tls`). Handlers read shared state; only push hands results to the recorder.

mod activity;
mod connections;
mod metrics_page;
mod routes;
mod throttle;
mod tls;

pub use connections::{serve, Limits};
pub use tls::Tls;
