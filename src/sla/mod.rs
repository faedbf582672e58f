//! Service levels (SPEC 4.4, 8): time-weighted rollups of raw results (`rollup`), the
//! latency histogram they carry (`histogram`), calendar arithmetic in `sla.timezone`
//! (`time`), the housekeeping jobs that build rollups and enforce retention
//! (`housekeeping`), and the SLA and compliance reports (`report`).

pub mod availability;
pub mod histogram;
pub mod housekeeping;
pub mod live;
pub mod report;
pub mod rollup;
pub mod time;
