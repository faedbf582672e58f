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

/// serde-saphyr and its YAML parser speak of parser events and states; say what is
/// wrong in plain words and what the user has to write instead. The position is the
/// error's `LINE:COL`; a message met here for the first time is passed on as it is.
fn readable(message: &str) -> String {
    const PLAIN: &[(&str, &str)] = &[
        ("expected sequence start", "expected a list"),
        ("expected mapping start", "expected a mapping (key: value)"),
        ("expected string scalar", "expected a single value, not a list or mapping"),
        (
            "while parsing a block mapping, did not find expected key",
            "bad indentation: expected `key: value` aligned with the keys above",
        ),
        (
            "while parsing a block collection, did not find expected '-' indicator",
            "bad indentation: expected a list item `- ` aligned with the items above",
        ),
        (
            "mapping values are not allowed in this context",
            "unexpected `:` in a value: quote a value that holds `: `, or indent a nested key under its parent",
        ),
        (
            "simple key expected ':'",
            "expected `key: value`: a line inside a mapping has no `:`",
        ),
        (
            "while parsing a flow mapping, did not find expected ',' or '}'",
            "expected `,` or `}` in a `{...}` mapping",
        ),
        (
            "while parsing a flow sequence, expected ',' or ']'",
            "expected `,` or `]` in a `[...]` list",
        ),
        (
            "while parsing a node, did not find expected node content",
            "expected a value",
        ),
        (
            "only single YAML document expected but multiple found",
            "more than one YAML document (`---`): a config file holds one",
        ),
        (
            "reference to unknown value",
            "an alias `*name` with no anchor `&name` before it: quote a value that starts with `*`",
        ),
        (
            "while parsing node, found unknown anchor",
            "an alias `*name` with no anchor `&name` before it: quote a value that starts with `*`",
        ),
        (
            "while scanning a plain scalar, found a tab",
            "a tab in a value: quote the value, or use spaces",
        ),
        (
            "while parsing a quoted scalar, found unknown escape character",
            "unknown escape `\\` in a double-quoted value: write `\\\\`, or use single quotes",
        ),
    ];
    if let Some((_, plain)) = PLAIN.iter().find(|(said, _)| *said == message) {
        return (*plain).to_owned();
    }
    if message == "unclosed quote" {
        return "unclosed quote: the value needs its closing quote".to_owned();
    }
    if message.starts_with("tabs disallowed") {
        return "a tab in the indentation: YAML indents with spaces only".to_owned();
    }
    if let Some(bracket) = message.strip_prefix("unclosed bracket ") {
        let open = bracket.trim_matches('\'');
        let close = match open {
            "{" => "}",
            "[" => "]",
            _ => "the closing bracket",
        };
        return format!("unclosed `{open}`: expected a closing `{close}`");
    }
    if let Some(c) = message.strip_prefix("unexpected character: `") {
        let c = c.strip_suffix('\'').unwrap_or(c);
        return format!("the character {c} cannot start a plain value: quote the value");
    }
    message.to_owned()
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

    /// The parser's own words become plain ones; the position stays.
    #[test]
    fn syntax_errors_are_said_in_plain_words() {
        for (src, expected) in [
            (
                "server:\n  listen: x\n port: y\n",
                "f.yaml:3:2: bad indentation: expected `key: value` aligned with the keys above",
            ),
            (
                "server:\n  listen: x\n    port: y\n",
                "f.yaml:3:9: unexpected `:` in a value: quote a value that holds `: `, or indent a nested key under its parent",
            ),
            (
                "server:\n  listen: x\n  port\n",
                "f.yaml:3:3: expected `key: value`: a line inside a mapping has no `:`",
            ),
            (
                "server:\n\tlisten: x\n",
                "f.yaml:2:2: a tab in the indentation: YAML indents with spaces only",
            ),
            (
                "server: {listen: x\n",
                "f.yaml:1:9: server: unclosed `{`: expected a closing `}`",
            ),
            (
                "server:\n  listen: \"x\n",
                "f.yaml:2:11: server.listen: unclosed quote: the value needs its closing quote",
            ),
            (
                "server:\n  listen: @x\n",
                "f.yaml:2:11: server.listen: the character @ cannot start a plain value: quote the value",
            ),
            (
                "server:\n  listen: x\n---\nserver: {}\n",
                "f.yaml:4:1: more than one YAML document (`---`): a config file holds one",
            ),
        ] {
            assert_eq!(err(src), expected, "{src:?}");
        }
    }
}
