//! Service-level arithmetic (docs/results.md), with no I/O, below the store: the seconds
//! of a window and the one availability ratio (`seconds`), time-weighted
//! rollups of raw results (`rollup`), the latency histogram they carry (`histogram`), a
//! check's last hour in memory (`live`), the availability windows of `/metrics`
//! (`availability`), each system's probe-duration histogram (`durations`) and calendar
//! arithmetic in `sla.timezone` (`time`). The jobs that use it are `housekeeping` and
//! `report`.

pub mod availability;
pub mod durations;
pub mod histogram;
pub mod live;
pub mod rollup;
pub mod seconds;
pub mod time;
