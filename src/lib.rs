//! emcd: measures the service level of public-service systems.
//!
//! The binary (`main.rs`) only parses the command line and calls into this library.
//! See `ARCHITECTURE.md` for the module map and the invariants.

pub mod config;
pub mod probe;
pub mod result;
