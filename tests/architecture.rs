//! The invariants of ARCHITECTURE.md that can be read off the source, checked on every
//! test run: the top-level modules form layers that only point down (so there is no
//! import circle between them), SQL only in `store/`, metric names only in `metrics/`,
//! and tasks spawned without keeping their handle only where ARCHITECTURE.md lists them.
//! The source is read as text: comments and `#[cfg(test)]` modules are left out.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The top-level modules from the bottom up: each may use only modules before it.
/// ARCHITECTURE.md, "Layers", says the same in words.
const LAYERS: &[&str] = &[
    "util",
    "result",
    "token",
    "reply",
    "scheduler",
    "config",
    "check",
    "probe",
    "alert_vocab",
    "vantage",
    "sla",
    "store",
    "fleet",
    "role",
    "connection",
    "metrics",
    "alert",
    "recorder",
    "housekeeping",
    "canary",
    "report",
    "reload",
    "cluster",
    "api",
    "web",
    "server",
    "daemon",
    "demo",
];

/// Files that may spawn a task and drop its handle, and why (ARCHITECTURE.md).
const DETACHED_SPAWNS: &[&str] = &[
    // One task per connection, bounded by server.max_connections, closed at shutdown.
    "src/server/connections.rs",
    // The signal watcher, which lives as long as the process.
    "src/main.rs",
];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every source file: (path relative to the crate, module path, code without comments
/// and test modules).
fn code() -> Vec<(String, Vec<String>, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths = Vec::new();
    sources(&root.join("src"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let mut module: Vec<String> = rel
                .trim_start_matches("src/")
                .trim_end_matches(".rs")
                .split('/')
                .map(str::to_owned)
                .collect();
            if matches!(module.last().map(String::as_str), Some("mod" | "lib")) {
                module.pop();
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let text = text.split("#[cfg(test)]").next().unwrap();
            let code: Vec<&str> = text
                .lines()
                .map(|l| l.split_once("//").map_or(l, |(c, _)| c))
                .collect();
            (rel, module, code.join("\n"))
        })
        .collect()
}

/// The first identifier at the start of `s`.
fn ident(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The top-level modules `code` (in module `module`) refers to.
fn references(module: &[String], code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `crate::{a::b, c}`: the first name of each item at depth 0.
            let (mut depth, mut start) = (0, true);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        found.insert(ident(&group[i..]).to_owned());
                        start = false;
                    }
                    _ => {}
                }
            }
        } else {
            found.insert(ident(rest).to_owned());
        }
    }
    // `super::` from a file directly in a top-level module can reach the crate root.
    for (at, _) in code.match_indices("super::") {
        if at >= 2 && &code[at - 2..at] == "::" {
            continue;
        }
        let mut rest = &code[at..];
        let mut depth = 0;
        while let Some(r) = rest.strip_prefix("super::") {
            rest = r;
            depth += 1;
        }
        if depth == module.len() {
            found.insert(ident(rest).to_owned());
        }
    }
    found.retain(|m| LAYERS.contains(&m.as_str()));
    found
}

#[test]
fn top_level_modules_only_use_modules_below_them() {
    let mut wrong = Vec::new();
    for (path, module, code) in code() {
        let Some(top) = module.first() else {
            continue; // lib.rs declares the modules
        };
        if top == "main" || module.last().is_some_and(|m| m == "tests") {
            continue; // the binary uses the library as a client; tests may use anything
        }
        let Some(level) = LAYERS.iter().position(|l| l == top) else {
            wrong.push(format!("{path}: module {top} is missing from LAYERS"));
            continue;
        };
        for used in references(&module, &code) {
            let used_level = LAYERS.iter().position(|l| *l == used).unwrap();
            if used != *top && used_level > level {
                wrong.push(format!("{path}: {top} uses {used}, which is above it"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn sql_only_in_the_store() {
    let wrong: Vec<String> = code()
        .into_iter()
        .filter(|(path, _, code)| code.contains("sqlx") && !path.starts_with("src/store/"))
        .map(|(path, _, _)| path)
        .collect();
    assert!(wrong.is_empty(), "sqlx outside src/store/: {wrong:?}");
}

#[test]
fn metric_names_only_in_the_metrics_module() {
    let wrong: Vec<String> = code()
        .into_iter()
        .filter(|(path, _, code)| {
            !path.starts_with("src/metrics") && code.contains("\"emcd_") && path != "src/token.rs"
        })
        .map(|(path, _, _)| path)
        .collect();
    assert!(
        wrong.is_empty(),
        "metric names outside src/metrics*: {wrong:?}"
    );
}

#[test]
fn detached_tasks_only_where_listed() {
    let mut wrong = Vec::new();
    for (path, _, code) in code() {
        let detached = code
            .lines()
            .filter(|l| l.trim_start().starts_with("tokio::spawn("))
            .count();
        if detached > 0 && !DETACHED_SPAWNS.contains(&path.as_str()) {
            wrong.push(format!(
                "{path}: {detached} spawned task(s) whose handle is dropped"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_reference_finder_sees_groups_and_super() {
    let m = |s: &str| s.split("::").map(str::to_owned).collect::<Vec<_>>();
    let found = references(
        &m("api"),
        "use crate::{fleet::X, store::{a, b}};\nsuper::util::f()",
    );
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["fleet", "store", "util"]
    );
    assert!(references(&m("api::push"), "super::state::AppState").is_empty());
}
