//! The structural rules every Grafana dashboard of the kit keeps: unique panel ids,
//! panels inside the 24-column grid and not overlapping, a `datasource` variable used by
//! every panel, target and query variable, no data source uid anywhere, and links only
//! to dashboards of the kit.

use std::collections::BTreeSet;

use serde_json::{json, Value};

use super::promql::panels;

/// What every panel and target names as its data source.
pub fn datasource() -> Value {
    json!({"type": "prometheus", "uid": "${datasource}"})
}

/// Every rule the dashboard breaks, as one line each.
pub fn problems(d: &Value, uids: &BTreeSet<String>) -> Vec<String> {
    let mut out = Vec::new();
    let ds = datasource();

    let vars = d["templating"]["list"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let ds_vars: Vec<&Value> = vars.iter().filter(|v| v["type"] == "datasource").collect();
    if ds_vars.len() != 1
        || ds_vars[0]["name"] != "datasource"
        || ds_vars[0]["query"] != "prometheus"
    {
        out.push(
            "needs exactly one variable `datasource` of type datasource, query prometheus".into(),
        );
    }
    for v in vars.iter().filter(|v| v["type"] == "query") {
        if v["datasource"] != ds {
            out.push(format!(
                "variable {}: datasource is not the variable",
                v["name"]
            ));
        }
    }

    let mut ids = BTreeSet::new();
    let mut boxes: Vec<(String, [i64; 4])> = Vec::new();
    for p in panels(d) {
        let title = p["title"].as_str().unwrap_or("?").to_owned();
        match p["id"].as_i64() {
            Some(id) if ids.insert(id) => {}
            Some(id) => out.push(format!("panel {title:?}: id {id} is not unique")),
            None => out.push(format!("panel {title:?}: no id")),
        }
        let g = &p["gridPos"];
        let [x, y, w, h] = ["x", "y", "w", "h"].map(|k| g[k].as_i64().unwrap_or(-1));
        if x < 0 || y < 0 || w < 1 || h < 1 || x + w > 24 {
            out.push(format!("panel {title:?}: gridPos {g} is outside the grid"));
        }
        for (other, b) in &boxes {
            let [ox, oy, ow, oh] = *b;
            if x < ox + ow && ox < x + w && y < oy + oh && oy < y + h {
                out.push(format!("panel {title:?} overlaps panel {other:?}"));
            }
        }
        boxes.push((title.clone(), [x, y, w, h]));
        if p["type"] == "row" {
            continue;
        }
        if p["datasource"] != ds {
            out.push(format!(
                "panel {title:?}: datasource is {}",
                p["datasource"]
            ));
        }
        let targets = p["targets"].as_array().cloned().unwrap_or_default();
        if targets.is_empty() {
            out.push(format!("panel {title:?}: no targets"));
        }
        for t in &targets {
            if t["datasource"] != ds {
                out.push(format!(
                    "panel {title:?} target {}: datasource is {}",
                    t["refId"], t["datasource"]
                ));
            }
            if t["expr"].as_str().is_none_or(|e| e.trim().is_empty()) {
                out.push(format!("panel {title:?} target {}: no expr", t["refId"]));
            }
        }
    }

    // Anywhere in the document: a `datasource` is the variable, and the only uids are the
    // dashboard's own and the variable's.
    fn walk(v: &Value, top: bool, ds: &Value, uids: &BTreeSet<String>, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                if let Some(d) = map.get("datasource") {
                    if d != ds {
                        out.push(format!("a datasource that is not the variable: {d}"));
                    }
                }
                if let Some(uid) = map.get("uid") {
                    if !top && uid != "${datasource}" {
                        out.push(format!("a hard-coded uid: {uid}"));
                    }
                }
                for child in map.values() {
                    walk(child, false, ds, uids, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|i| walk(i, false, ds, uids, out)),
            Value::String(s) => {
                for (i, _) in s.match_indices("/d/") {
                    let uid = s[i + 3..].split(['/', '?']).next().unwrap_or("");
                    if !uids.contains(uid) {
                        out.push(format!("a link to an unknown dashboard {uid:?}"));
                    }
                }
            }
            _ => {}
        }
    }
    walk(d, true, &ds, uids, &mut out);
    out
}
