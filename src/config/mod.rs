//! Configuration: YAML main file plus agency files (docs/configuration.md), parsed into raw serde
//! structs (`raw`), then validated into the typed model (`model`) in one step that
//! reports every error at once as `FILE:LINE:COL: PATH: MESSAGE`. Nothing outside this
//! module sees the raw layer; a model value that exists is a valid one.
//!
//! Map: `load` reads files and expands `include`; `yaml` parses one file (with `locate`
//! to name the field of a serde error); `env` substitutes `${VAR}` per scalar; `validate`
//! turns raw into model, with `scalar` for single values; `summary` is `emcd check`'s
//! output. No global state: the environment is passed in (`load_with_env`).

mod env;
mod error;
mod load;
mod locate;
pub mod model;
mod model_cluster;
mod model_delivery;
mod model_eq;
mod model_probe;
mod raw;
mod scalar;
mod summary;
mod validate;
mod yaml;

pub use env::Env;
pub use error::{ConfigError, ConfigErrors};
pub use load::{load, load_with_env};
pub use model::*;
pub use scalar::id as parse_id;
pub use scalar::redact as redact_proxy;
pub use summary::summary;
pub use validate::chromium_on_path;
pub use validate::policy::builtin as builtin_policy;

#[cfg(test)]
mod tests;
