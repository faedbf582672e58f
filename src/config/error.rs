//! Configuration errors as the user sees them: `FILE:LINE:COL: PATH: MESSAGE`, one per
//! line, every error of every file at once. This module only formats; it never decides
//! what is valid.

use std::fmt;
use std::path::{Path, PathBuf};

use serde_saphyr::Location;

/// One problem in one file, pointing at the offending value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    /// The main file as given to `load`, or `main_dir.join(match)` for an included file.
    pub file: PathBuf,
    /// 1-based; 0 when the problem concerns the whole file (e.g. it cannot be read).
    pub line: u64,
    /// 1-based, in characters; 0 when `line` is 0.
    pub column: u64,
    /// Path of the field in the file, e.g. `systems[0].checks[1].http.url`; empty when the
    /// problem concerns the whole file.
    pub path: String,
    /// What is wrong and what is expected. Never contains a secret.
    pub message: String,
}

impl ConfigError {
    /// An error about a whole file (unreadable, empty...), with no position.
    pub fn file_level(file: &Path, message: impl Into<String>) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            line: 0,
            column: 0,
            path: String::new(),
            message: message.into(),
        }
    }

    /// An error at a position in `file`.
    pub(crate) fn at(
        file: &Path,
        at: Location,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ConfigError {
            file: file.to_path_buf(),
            line: at.line(),
            column: at.column(),
            path: path.into(),
            message: message.into(),
        }
    }
}

/// `FILE:LINE:COL: PATH: MESSAGE`. `LINE:COL` is left out when unknown (0), and `PATH: `
/// when the error concerns the whole file.
impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if self.line > 0 {
            write!(f, ":{}:{}", self.line, self.column)?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Every error found in a configuration, in file order then position order. Never empty
/// when returned by `load`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigErrors(pub Vec<ConfigError>);

/// One error per line, no trailing newline.
impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigErrors {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_forms() {
        let e = ConfigError {
            file: PathBuf::from("agencies/bo-tu-phap.yaml"),
            line: 14,
            column: 9,
            path: "systems[0].checks[1].http.url".into(),
            message: "relative URL \"/relative\": use an absolute http:// or https:// URL".into(),
        };
        assert_eq!(
            e.to_string(),
            "agencies/bo-tu-phap.yaml:14:9: systems[0].checks[1].http.url: relative URL \"/relative\": use an absolute http:// or https:// URL"
        );
        let f = ConfigError::file_level(Path::new("emcd.yaml"), "cannot read file: gone");
        assert_eq!(f.to_string(), "emcd.yaml: cannot read file: gone");
        let all = ConfigErrors(vec![e, f]);
        assert_eq!(all.to_string().lines().count(), 2);
    }
}
