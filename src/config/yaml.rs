//! Parses one file's text into its raw struct, turning a YAML or serde error (syntax,
//! unknown key, wrong type) into a `ConfigError` with position and field path.

use std::path::Path;

use serde::de::DeserializeOwned;
use serde_saphyr::{Error, MessageFormatter, UserMessageFormatter};

use super::error::ConfigError;
use super::locate::{path_at, Want};

/// True when the text holds no YAML node (only blanks and comments).
pub fn is_blank(source: &str) -> bool {
    source
        .lines()
        .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
}

pub fn parse<T: DeserializeOwned>(file: &Path, source: &str) -> Result<T, ConfigError> {
    serde_saphyr::from_str(source).map_err(|e| convert(file, source, &e))
}

/// [`parse`], but an unknown or duplicate key written at the start of its line (block
/// style) is reported, blanked with the lines nested under it (every other line and
/// column stays where it was) and the text parsed again, so that one stray key does not
/// hide the file's other errors. Returns the value of the repaired text, if it parses,
/// and every error met on the way.
pub fn parse_repairing<T: DeserializeOwned>(
    file: &Path,
    source: &str,
) -> (Option<T>, Vec<ConfigError>) {
    let mut text = source.to_owned();
    let mut errors = Vec::new();
    // Bounded: each round blanks at least one line.
    for _ in 0..=source.lines().count() {
        match serde_saphyr::from_str::<T>(&text) {
            Ok(value) => return (Some(value), errors),
            Err(e) => {
                errors.push(convert(file, &text, &e));
                match blank_stray_key(&text, &e) {
                    Some(repaired) => text = repaired,
                    None => return (None, errors),
                }
            }
        }
    }
    (None, errors)
}

/// The text without the key `err` is about, when it is an unknown or duplicate key that
/// starts its line; `None` for any other error or layout (flow mappings, `- key:`).
fn blank_stray_key(text: &str, err: &Error) -> Option<String> {
    let at = err.location()?;
    let (line, column) = (
        usize::try_from(at.line()).ok()?,
        usize::try_from(at.column()).ok()?,
    );
    let mut lines: Vec<String> = text.split('\n').map(str::to_owned).collect();
    let first: Vec<char> = lines.get(line.checked_sub(1)?)?.chars().collect();
    let key_indent = first.iter().take_while(|c| **c == ' ').count();
    let indent = match err.without_snippet() {
        // The key itself is at the error: it must start its line.
        Error::SerdeUnknownField { .. } | Error::DuplicateMappingKey { .. } => {
            let starts_line =
                key_indent + 1 == column && first.get(key_indent).is_some_and(|c| *c != '-');
            starts_line.then_some(key_indent)?
        }
        // A value of the wrong type: the line must be `key: value`, the value at the error.
        Error::Unexpected { .. }
        | Error::SerdeInvalidType { .. }
        | Error::SerdeInvalidValue { .. } => {
            let head: String = first
                .get(key_indent..column.checked_sub(1)?)?
                .iter()
                .collect();
            let head = head.trim_end();
            let key = head.strip_suffix(':')?;
            let plain_key = !key.is_empty()
                && !key.starts_with(['-', '#'])
                && !key.contains([':', '{', '[', ' ']);
            plain_key.then_some(key_indent)?
        }
        _ => return None,
    };
    lines[line - 1].clear();
    for l in lines.iter_mut().skip(line) {
        let own_indent = l.chars().take_while(|c| *c == ' ').count();
        if !l.trim().is_empty() && own_indent <= indent {
            break;
        }
        l.clear();
    }
    Some(lines.join("\n"))
}

fn convert(file: &Path, source: &str, err: &Error) -> ConfigError {
    let inner = err.without_snippet();
    let (message, want) = match inner {
        Error::SerdeUnknownField {
            field, expected, ..
        } => (
            format!(
                "unknown key `{field}`, expected one of: {}",
                expected.join(", ")
            ),
            Want::Key,
        ),
        Error::DuplicateMappingKey { key, .. } => (
            match key {
                Some(k) => format!("duplicate key `{k}`"),
                None => "duplicate key".to_owned(),
            },
            Want::Key,
        ),
        Error::SerdeMissingField { field, .. } => {
            (format!("missing key `{field}`"), Want::Container)
        }
        other => (
            readable(&UserMessageFormatter.format_message(other)),
            Want::Value,
        ),
    };
    let message = sanitize(&message);
    match err.location() {
        Some(at) if at.line() > 0 => {
            let path = path_at(source, at.line(), at.column(), want);
            ConfigError::at(file, at, path, message)
        }
        _ => ConfigError::file_level(file, message),
    }
}

/// serde-saphyr speaks of parser events; say what the user has to write instead.
fn readable(message: &str) -> String {
    match message {
        "expected sequence start" => "expected a list".to_owned(),
        "expected mapping start" => "expected a mapping (key: value)".to_owned(),
        "expected string scalar" => "expected a single value, not a list or mapping".to_owned(),
        other => other.to_owned(),
    }
}

/// One line, no control characters: the message goes to a terminal or a log.
fn sanitize(message: &str) -> String {
    message
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Doc {
        server: Option<Server>,
    }

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Server {
        listen: Option<String>,
        port: Option<String>,
    }

    fn err(src: &str) -> String {
        parse::<Doc>(Path::new("f.yaml"), src)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn errors_have_position_and_path() {
        assert_eq!(
            err("server:\n  lsten: x\n"),
            "f.yaml:2:3: server.lsten: unknown key `lsten`, expected one of: listen, port"
        );
        assert_eq!(
            err("server:\n  listen: [1]\n"),
            "f.yaml:2:11: server.listen: expected a single value, not a list or mapping"
        );
        assert_eq!(
            err("server:\n  listen: a\n  listen: b\n"),
            "f.yaml:3:3: server.listen: duplicate key `listen`"
        );
        assert!(err("server:\n  listen: \"x\n").starts_with("f.yaml:2:11: server.listen: "));
        assert!(is_blank("# nothing\n\n  # here\n"));
    }
}
