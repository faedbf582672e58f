//! Service levels (SPEC 4.4, 8): time-weighted rollups of raw results (`rollup`), the
//! latency histogram they carry (`histogram`), the housekeeping jobs that build them and
//! enforce retention (`housekeeping`), and the SLA and compliance reports (`report`).

pub mod histogram;
pub mod rollup;
