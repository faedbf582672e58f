//! emcd: measures the service level of public-service systems.
//!
//! The binary (`main.rs`) only parses the command line and calls into this library.
//! See `ARCHITECTURE.md` for the module map and the invariants.

pub mod alert;
pub mod alert_vocab;
pub mod api;
pub mod canary;
pub mod check;
pub mod cluster;
pub mod config;
pub mod connection;
pub mod daemon;
pub mod demo;
pub mod fleet;
pub mod housekeeping;
pub mod metrics;
pub mod probe;
pub mod recorder;
pub mod reload;
pub mod reply;
pub mod report;
pub mod result;
pub mod role;
pub mod scheduler;
pub mod server;
pub mod sla;
pub mod store;
pub mod token;
pub mod util;
pub mod vantage;
pub mod web;
