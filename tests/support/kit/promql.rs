//! Every PromQL expression of the kit, each with an id saying where it comes from:
//! `<dashboard uid> / <panel title> / <refId>` for a dashboard target,
//! `<dashboard uid> / $<variable>` for a variable's query, `record <name>` and
//! `alert <name>` for rules. Grafana's variables are substituted before evaluation.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

/// One expression and where it comes from.
#[derive(Clone, Debug)]
pub struct Expr {
    pub id: String,
    pub expr: String,
}

/// A panel and the panels nested in it (collapsed rows hold theirs), depth first.
pub fn panels(dashboard: &Value) -> Vec<&Value> {
    fn walk<'a>(list: &'a Value, out: &mut Vec<&'a Value>) {
        for p in list.as_array().into_iter().flatten() {
            out.push(p);
            walk(&p["panels"], out);
        }
    }
    let mut out = Vec::new();
    walk(&dashboard["panels"], &mut out);
    out
}

/// The targets' expressions of every panel of a dashboard.
pub fn dashboard_exprs(dashboard: &Value) -> Vec<Expr> {
    let uid = dashboard["uid"].as_str().unwrap_or("?");
    let mut out = Vec::new();
    for p in panels(dashboard) {
        let title = p["title"].as_str().unwrap_or("?");
        for t in p["targets"].as_array().into_iter().flatten() {
            let expr = t["expr"].as_str().unwrap_or_default();
            let ref_id = t["refId"].as_str().unwrap_or("?");
            out.push(Expr {
                id: format!("{uid} / {title} / {ref_id}"),
                expr: expr.to_owned(),
            });
        }
    }
    out
}

/// A query variable's `label_values(SELECTOR, LABEL)`: (id, selector, label).
pub fn variable_queries(dashboard: &Value) -> Vec<(String, String, String)> {
    let uid = dashboard["uid"].as_str().unwrap_or("?");
    let mut out = Vec::new();
    for v in dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        if v["type"] != "query" {
            continue;
        }
        let name = v["name"].as_str().unwrap_or("?");
        let query = v["query"].as_str().unwrap_or_default();
        let inner = query
            .strip_prefix("label_values(")
            .and_then(|q| q.strip_suffix(')'))
            .unwrap_or_else(|| panic!("{uid} / ${name}: not label_values(...): {query}"));
        let (selector, label) = inner
            .rsplit_once(',')
            .unwrap_or_else(|| panic!("{uid} / ${name}: label_values needs a selector: {query}"));
        out.push((
            format!("{uid} / ${name}"),
            selector.trim().to_owned(),
            label.trim().to_owned(),
        ));
    }
    out
}

/// Every recording and alert rule of a rule file.
pub fn rule_exprs(rules: &Value) -> Vec<Expr> {
    let mut out = Vec::new();
    for group in rules["groups"].as_array().into_iter().flatten() {
        for rule in group["rules"].as_array().into_iter().flatten() {
            let id = match (rule["record"].as_str(), rule["alert"].as_str()) {
                (Some(r), _) => format!("record {r}"),
                (_, Some(a)) => format!("alert {a}"),
                _ => panic!("a rule that neither records nor alerts: {rule}"),
            };
            out.push(Expr {
                id,
                expr: rule["expr"].as_str().unwrap_or_default().to_owned(),
            });
        }
    }
    out
}

/// Every expression of the rule files in `dir` (`*.yml`).
pub fn rules_in(dir: &Path) -> Vec<Expr> {
    super::files(dir, ".yml")
        .iter()
        .flat_map(|f| rule_exprs(&super::yaml(f)))
        .collect()
}

/// Every expression of the kit: each dashboard's targets, then every rule; ids unique.
pub fn kit_exprs() -> Vec<Expr> {
    let mut exprs: Vec<Expr> = super::files(&super::repo("deploy/grafana/dashboards"), ".json")
        .iter()
        .flat_map(|p| dashboard_exprs(&super::json(p)))
        .collect();
    exprs.extend(rules_in(&super::repo("deploy/prometheus/rules")));
    let ids: std::collections::BTreeSet<&str> = exprs.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), exprs.len(), "expression ids are unique");
    exprs
}

/// Replaces `$name` and `${name}` by their values, longest names first (so that
/// `$__rate_interval` is not taken for `$__rate`). Panics on a variable left over.
pub fn substitute(id: &str, expr: &str, vars: &BTreeMap<&str, String>) -> String {
    let mut names: Vec<&&str> = vars.keys().collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.len()));
    let mut out = expr.to_owned();
    for name in names {
        out = out
            .replace(&format!("${{{name}}}"), &vars[*name])
            .replace(&format!("${name}"), &vars[*name]);
    }
    assert!(
        !out.contains('$'),
        "{id}: a template variable is not substituted in: {out}"
    );
    out
}
