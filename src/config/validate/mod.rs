//! The validation step: raw structs in, typed model out, every error of a file collected
//! in one pass. A value that fails is reported and replaced by its default so that the
//! rest of the file is still checked; the model is only used when no error was found.
//! Files are read and globs expanded by `load`; the only I/O here is reading the
//! certificate and key files that `tls` keys and a receiver's `ca_file` name (`tls.rs`).

mod agency;
mod alerting;
mod browser;
mod check;
mod lifecycle;
mod main_file;
pub mod policy;
mod scoring;
mod tls;

use std::path::Path;

use http::{HeaderName, HeaderValue};
use serde_saphyr::Location;

use super::env::{self, Env, Expanded};
use super::error::ConfigError;
use super::raw::{Headers, Spanned, Text};
use super::scalar::{self, Msg};

pub use agency::agency_file;
pub use browser::chromium_on_path;
pub use main_file::{main_file, Include, MainParts};

/// What validating one file needs, and the errors found in it.
pub struct Ctx<'a> {
    file: &'a Path,
    source: &'a str,
    env: Env<'a>,
    pub errors: Vec<ConfigError>,
    /// The ids of the main file's `vantages`, which checks may name (empty: any).
    pub vantages: Vec<String>,
    /// `sla.timezone`: where an agency file's dates begin.
    pub timezone: chrono_tz::Tz,
    /// Whether `probing.browser` found a Chromium (browser checks need one).
    pub chromium: bool,
}

impl<'a> Ctx<'a> {
    pub fn new(file: &'a Path, source: &'a str, env: Env<'a>) -> Self {
        Ctx {
            file,
            source,
            env,
            errors: Vec::new(),
            vantages: Vec::new(),
            timezone: chrono_tz::UTC,
            chromium: false,
        }
    }

    pub fn file(&self) -> &'a Path {
        self.file
    }

    pub fn error(&mut self, at: Location, path: &str, message: impl Into<String>) {
        self.errors
            .push(ConfigError::at(self.file, at, path, message));
    }

    /// The value with `${VAR}` substituted; on error, reports each bad reference at its
    /// own column and returns `None`.
    pub fn expand(&mut self, t: &Text, path: &str) -> Option<Expanded> {
        match env::expand(&t.value, self.env) {
            Ok(e) => Some(e),
            Err(errs) => {
                for e in errs {
                    let column = self.column_of(t, e.offset());
                    self.errors.push(ConfigError {
                        file: self.file.to_path_buf(),
                        line: t.referenced.line(),
                        column,
                        path: path.to_owned(),
                        message: e.to_string(),
                    });
                }
                None
            }
        }
    }

    /// A key the schema requires but the raw layer leaves optional, so that a missing
    /// one is reported with the file's other errors rather than alone by the YAML layer:
    /// ``missing key `KEY` `` at the mapping (`at`, `path`) that lacks it.
    pub fn required<'t>(
        &mut self,
        t: Option<&'t Text>,
        at: Location,
        path: &str,
        key: &str,
    ) -> Option<&'t Text> {
        if t.is_none() {
            self.error(at, path, format!("missing key `{key}`"));
        }
        t
    }

    /// The substituted text.
    pub fn text(&mut self, t: &Text, path: &str) -> Option<String> {
        self.expand(t, path).map(|e| e.value)
    }

    /// The substituted text parsed by `f`; reports and returns `None` if either fails.
    pub fn parse<T>(
        &mut self,
        t: &Text,
        path: &str,
        f: impl FnOnce(&str) -> Result<T, Msg>,
    ) -> Option<T> {
        let s = self.text(t, path)?;
        match f(&s) {
            Ok(v) => Some(v),
            Err(m) => {
                self.error(t.referenced, path, m);
                None
            }
        }
    }

    /// An optional key: its parsed value, or `default` when absent or invalid.
    pub fn or<T>(
        &mut self,
        t: Option<&Text>,
        path: &str,
        default: T,
        f: impl FnOnce(&str) -> Result<T, Msg>,
    ) -> T {
        t.and_then(|t| self.parse(t, path, f)).unwrap_or(default)
    }

    /// Column of the char at `offset` in the scalar `t`, when the scalar is written on one
    /// line as plain or quoted text; otherwise the column of the scalar.
    fn column_of(&self, t: &Text, offset: usize) -> u64 {
        let (line, column) = (t.referenced.line(), t.referenced.column());
        let Some(src) = self.source.lines().nth(line.saturating_sub(1) as usize) else {
            return column;
        };
        let here: String = src
            .chars()
            .skip(column.saturating_sub(1) as usize)
            .collect();
        let prefix: String = t.value.chars().take(offset + 2).collect();
        if here.starts_with(&prefix) {
            column + offset as u64
        } else if here.starts_with(['"', '\'']) && here[1..].starts_with(&prefix) {
            column + 1 + offset as u64
        } else {
            column
        }
    }
}

/// A `headers` mapping. Values are never echoed; a value that came from `${VAR}`, or of
/// an `Authorization`/`Cookie`-like header, is marked sensitive (its `Debug` hides it).
pub fn headers(
    ctx: &mut Ctx<'_>,
    h: Option<&Spanned<Headers>>,
    path: &str,
) -> Vec<(HeaderName, HeaderValue)> {
    let mut out = Vec::new();
    for (k, v) in h.into_iter().flat_map(|h| &h.value.0) {
        let key_path = sub(path, &k.value);
        let name = ctx.parse(k, &key_path, scalar::header_name);
        let value = ctx
            .expand(v, &key_path)
            .and_then(|e| match scalar::header_value(&e.value) {
                Ok(mut value) => {
                    value.set_sensitive(e.substituted || is_sensitive(&k.value));
                    Some(value)
                }
                Err(m) => {
                    ctx.error(v.referenced, &key_path, m);
                    None
                }
            });
        if let (Some(name), Some(value)) = (name, value) {
            out.push((name, value));
        }
    }
    out
}

fn is_sensitive(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.contains("authorization")
        || name.contains("cookie")
        || name.contains("token")
        || name.contains("key")
}

/// `parent.key`, or `key` at the top of a file.
pub fn sub(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

/// `parent[i]`.
pub fn idx(parent: &str, i: usize) -> String {
    format!("{parent}[{i}]")
}

/// A secret: substituted, never echoed, and not empty (an empty token would let anyone in).
pub fn secret(ctx: &mut Ctx<'_>, t: Option<&Text>, path: &str) -> Option<super::model::Secret> {
    let t = t?;
    let value = ctx.text(t, path)?;
    if value.is_empty() {
        ctx.error(
            t.referenced,
            path,
            "empty secret: remove the key, or set a value",
        );
        return None;
    }
    Some(super::model::Secret(value))
}
