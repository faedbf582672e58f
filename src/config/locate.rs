//! Finds the field path (`systems[0].checks[1].http`) of a position in a YAML text, for
//! errors that serde reports with a position only (unknown key, wrong type, syntax). It
//! walks the parser's events; it never interprets values.

use serde_saphyr::granit_parser::{Event, Parser};

/// A node of the document (key or value) and where it starts (1-based line and column).
struct Node {
    line: usize,
    column: usize,
    path: String,
    /// Path of the collection holding it.
    parent: String,
    is_key: bool,
}

/// Which node to name when several start at one position (a mapping and its first key).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Want {
    /// The outermost node: the value that is wrong.
    Value,
    /// The key: to name an unknown or duplicate key.
    Key,
    /// The mapping holding the key there: to name where a key is missing.
    Container,
}

enum Frame {
    /// `key` is the last key read; `None` while a key is expected.
    Map {
        path: String,
        key: Option<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

/// The path of the node starting at `line:column` (see [`Want`]), or else of the last
/// node starting before it on the same line (else empty). After a syntax error, the
/// nodes read before it are used.
pub fn path_at(source: &str, line: u64, column: u64, want: Want) -> String {
    let target = (line as usize, column as usize);
    let nodes = nodes(source);
    let at: Vec<&Node> = nodes
        .iter()
        .filter(|n| (n.line, n.column) == target)
        .collect();
    let key = at.iter().find(|n| n.is_key);
    let value = at.iter().find(|n| !n.is_key);
    let chosen = match want {
        Want::Value => value.or(key).map(|n| &n.path),
        Want::Key => key.or(value).map(|n| &n.path),
        Want::Container => key.map(|n| &n.parent).or(value.map(|n| &n.path)),
    };
    match chosen {
        Some(path) => path.clone(),
        // Only a node on the same line: past a line break the last node read is more
        // likely a neighbour than the culprit (e.g. a badly indented key), so say nothing.
        None => nodes
            .iter()
            .rev()
            .find(|n| (n.line, n.column) <= target)
            .filter(|n| n.line == target.0)
            .map(|n| n.path.clone())
            .unwrap_or_default(),
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() {
        key.to_owned()
    } else {
        format!("{parent}.{key}")
    }
}

fn nodes(source: &str) -> Vec<Node> {
    let mut out = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    let mut parser = Parser::new_from_str(source);
    while let Some(Ok((event, span))) = parser.next_event() {
        let (line, column) = (span.start.line(), span.start.col() + 1);
        let starts = match &event {
            Event::Scalar(..) | Event::Alias(..) => Some(false),
            Event::SequenceStart(..) | Event::MappingStart(..) => Some(true),
            Event::SequenceEnd | Event::MappingEnd => {
                stack.pop();
                None
            }
            _ => None,
        };
        let Some(is_collection) = starts else {
            continue;
        };
        // Where this node sits: its path, its parent's, and whether it is a mapping key.
        let (path, parent, is_key) = match stack.last_mut() {
            None => (String::new(), String::new(), false),
            Some(Frame::Seq { path, next }) => {
                *next += 1;
                (format!("{path}[{}]", *next - 1), path.clone(), false)
            }
            Some(Frame::Map { path, key }) => match key.take() {
                Some(k) => (join(path, &k), path.clone(), false),
                None => {
                    let text = match &event {
                        Event::Scalar(text, ..) => text.to_string(),
                        _ => "?".to_owned(),
                    };
                    let key_path = join(path, &text);
                    *key = Some(text);
                    (key_path, path.clone(), true)
                }
            },
        };
        out.push(Node {
            line,
            column,
            path: path.clone(),
            parent,
            is_key,
        });
        if is_collection && !is_key {
            stack.push(match event {
                Event::SequenceStart(..) => Frame::Seq { path, next: 0 },
                _ => Frame::Map { path, key: None },
            });
        } else if is_collection {
            // A collection used as a key: track it so its end pops, under a dummy path.
            stack.push(Frame::Map { path, key: None });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{path_at, Want};

    const DOC: &str = "\
agency:
  id: x
systems:
  - id: a
    checks:
      - id: c
        http: {url: foo, methd: GET}
  - {id: b, checks: [{id: d}]}
";

    #[test]
    fn finds_values_keys_and_collections() {
        assert_eq!(path_at(DOC, 2, 7, Want::Value), "agency.id");
        assert_eq!(path_at(DOC, 2, 3, Want::Key), "agency.id");
        assert_eq!(path_at(DOC, 4, 5, Want::Value), "systems[0]");
        assert_eq!(path_at(DOC, 4, 5, Want::Key), "systems[0].id");
        assert_eq!(path_at(DOC, 4, 5, Want::Container), "systems[0]");
        assert_eq!(path_at(DOC, 2, 3, Want::Container), "agency");
        assert_eq!(
            path_at(DOC, 7, 15, Want::Value),
            "systems[0].checks[0].http"
        );
        assert_eq!(
            path_at(DOC, 7, 21, Want::Value),
            "systems[0].checks[0].http.url"
        );
        assert_eq!(
            path_at(DOC, 7, 26, Want::Key),
            "systems[0].checks[0].http.methd"
        );
        assert_eq!(path_at(DOC, 8, 22, Want::Value), "systems[1].checks[0]");
        assert_eq!(path_at(DOC, 8, 27, Want::Value), "systems[1].checks[0].id");
    }

    #[test]
    fn after_a_syntax_error_uses_what_was_read() {
        let doc = "server:\n  listen: \"abc\n";
        assert_eq!(path_at(doc, 2, 11, Want::Value), "server.listen");
        let doc = "server:\n  listen: x\n storage: y\n";
        assert_eq!(path_at(doc, 3, 2, Want::Value), "");
    }
}
