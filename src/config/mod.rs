//! Configuration: YAML main file plus agency files (SPEC 3), parsed into raw serde
//! structs, then validated into the typed model in `model`. Nothing outside this module
//! sees the raw layer.

pub mod model;

pub use model::*;
