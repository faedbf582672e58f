//! Per-check runtime: the pure state machine (`state`) and the live table of checks the
//! scheduler, metrics and API read (`table`).

pub mod state;
pub mod verdict;
