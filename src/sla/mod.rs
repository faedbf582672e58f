//! Service levels (docs/results.md, docs/storage.md): time-weighted rollups of raw results (`rollup`), the
//! latency histogram they carry (`histogram`), calendar arithmetic in `sla.timezone`
//! (`time`), the housekeeping jobs that build rollups and enforce retention
//! (`housekeeping`), and the SLA and compliance reports (`report`).

pub mod availability;
pub mod histogram;
pub mod live;
pub mod rollup;
pub mod time;
