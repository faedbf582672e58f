//! The body of an indicators push and its rules (docs/api.md, "Indicators"): a month
//! and the counters of some of the agency's procedure systems. Every rule a body breaks
//! is reported, each naming the field (`systems[1].resolved_late`) and quoting the
//! value, so that an agency fixes its export in one go.

use serde_json::{Map, Value};

use crate::config::{Agency, SystemKind};
use crate::store::indicators::Counters;

/// The largest count accepted: a billion dossiers a month in one system.
pub const MAX_COUNT: i64 = 1_000_000_000;
/// The satisfaction score runs from 0 to this.
pub const MAX_SATISFACTION: f64 = 100.0;
/// Longest piece of a rejected value quoted back in an error.
const QUOTE: usize = 64;

/// The keys of a system's entry, as written.
pub const FIELDS: [&str; 7] = [
    "system",
    "received",
    "resolved_on_time",
    "resolved_late",
    "submitted_online",
    "paid_online",
    "satisfaction",
];

/// A valid push: its month and each system's counters, in the order written.
#[derive(Debug, PartialEq)]
pub struct Push {
    pub month: String,
    pub systems: Vec<(String, Counters)>,
}

/// Parses and checks a push of `agency` when the current month (in `sla.timezone`)
/// is `current_month`. `Err` lists every rule broken.
pub fn parse(body: &[u8], agency: &Agency, current_month: &str) -> Result<Push, Vec<String>> {
    let shape = "body must be {\"month\": \"YYYY-MM\", \"systems\": [{\"system\", \"received\", \
                 \"resolved_on_time\", \"resolved_late\", \"submitted_online\", \"paid_online\", \
                 \"satisfaction\"}]}";
    let value: Value = serde_json::from_slice(body).map_err(|e| vec![format!("{shape}: {e}")])?;
    let Value::Object(top) = value else {
        return Err(vec![format!("{shape}, got {}", quote(&value))]);
    };
    let mut errors = Vec::new();
    unknown_keys(&top, "", &["month", "systems"], &mut errors);
    let month = match top.get("month") {
        None => {
            errors.push("month: missing".to_owned());
            None
        }
        Some(v) => month(v, current_month).map_err(|e| errors.push(e)).ok(),
    };
    let mut systems = Vec::new();
    match top.get("systems") {
        None => errors.push("systems: missing".to_owned()),
        Some(Value::Array(items)) if items.is_empty() => {
            errors.push("systems: empty: push at least one system".to_owned())
        }
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let path = format!("systems[{i}]");
                if let Some((id, counters)) = system(item, &path, agency, &mut errors) {
                    match systems.iter().position(|(s, _)| *s == id) {
                        Some(j) => errors.push(format!(
                            "{path}.system: {id:?} appears twice (also systems[{j}]): push each system once"
                        )),
                        None => systems.push((id, counters)),
                    }
                }
            }
        }
        Some(v) => errors.push(format!(
            "systems: expected a list of systems, got {}",
            quote(v)
        )),
    }
    match month {
        Some(month) if errors.is_empty() => Ok(Push { month, systems }),
        _ => Err(errors),
    }
}

/// Whether `s` is a month `YYYY-MM` (four digits, a dash, 01 to 12).
pub fn is_month(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..].parse::<u32>().unwrap_or(0))
}

/// `YYYY-MM`, not after `current`.
fn month(v: &Value, current: &str) -> Result<String, String> {
    match v.as_str().filter(|s| is_month(s)) {
        None => Err(format!(
            "month: expected a month YYYY-MM, e.g. 2026-11, got {}",
            quote(v)
        )),
        // `YYYY-MM` texts sort as their months do.
        Some(m) if m > current => Err(format!(
            "month: {m:?} is in the future (the current month is {current})"
        )),
        Some(m) => Ok(m.to_owned()),
    }
}

/// One entry of `systems`, or `None` after reporting what is wrong with it.
fn system(
    item: &Value,
    path: &str,
    agency: &Agency,
    errors: &mut Vec<String>,
) -> Option<(String, Counters)> {
    let Value::Object(o) = item else {
        errors.push(format!(
            "{path}: expected an object with {}, got {}",
            FIELDS.join(", "),
            quote(item)
        ));
        return None;
    };
    let before = errors.len();
    unknown_keys(o, path, &FIELDS, errors);
    let id = match o.get("system") {
        None => {
            errors.push(format!("{path}.system: missing"));
            None
        }
        Some(v) => system_id(v, agency)
            .map_err(|e| errors.push(format!("{path}.system: {e}")))
            .ok(),
    };
    let mut count = |key: &str| match o.get(key) {
        None => {
            errors.push(format!("{path}.{key}: missing"));
            None
        }
        Some(v) => count(v)
            .map_err(|e| errors.push(format!("{path}.{key}: {e}")))
            .ok(),
    };
    let received = count("received");
    let on_time = count("resolved_on_time");
    let late = count("resolved_late");
    let online = count("submitted_online");
    let paid = count("paid_online");
    let satisfaction = match o.get("satisfaction") {
        None => {
            errors.push(format!("{path}.satisfaction: missing"));
            None
        }
        Some(v) => satisfaction(v)
            .map_err(|e| errors.push(format!("{path}.satisfaction: {e}")))
            .ok(),
    };
    if let Some(r) = received {
        if let (Some(t), Some(l)) = (on_time, late) {
            if t + l > r {
                errors.push(format!(
                    "{path}.resolved_late: resolved_on_time {t} + resolved_late {l} = {} is more than received {r}",
                    t + l
                ));
            }
        }
        for (key, n) in [("submitted_online", online), ("paid_online", paid)] {
            if let Some(n) = n.filter(|&n| n > r) {
                errors.push(format!("{path}.{key}: {n} is more than received {r}"));
            }
        }
    }
    if errors.len() > before {
        return None;
    }
    Some((
        id?,
        Counters {
            received: received?,
            resolved_on_time: on_time?,
            resolved_late: late?,
            submitted_online: online?,
            paid_online: paid?,
            satisfaction: satisfaction?,
        },
    ))
}

/// The id of one of the agency's procedure (`tthc`) systems.
fn system_id(v: &Value, agency: &Agency) -> Result<String, String> {
    let Some(id) = v.as_str() else {
        return Err(format!("expected a system id, got {}", quote(v)));
    };
    match agency.systems.iter().find(|s| s.id == id) {
        None => Err(format!(
            "{} is not a system of {} (its procedure systems: {})",
            quote(v),
            agency.id,
            procedure_systems(agency)
        )),
        Some(s) if s.kind != SystemKind::Tthc => Err(format!(
            "{} is a {} system, not a procedure (tthc) system (those of {}: {})",
            quote(v),
            s.kind.as_str(),
            agency.id,
            procedure_systems(agency)
        )),
        Some(s) => Ok(s.id.clone()),
    }
}

fn procedure_systems(agency: &Agency) -> String {
    let ids: Vec<&str> = agency
        .systems
        .iter()
        .filter(|s| s.kind == SystemKind::Tthc)
        .map(|s| s.id.as_str())
        .collect();
    if ids.is_empty() {
        "none".to_owned()
    } else {
        ids.join(", ")
    }
}

/// A whole number from 0 to [`MAX_COUNT`].
fn count(v: &Value) -> Result<i64, String> {
    match v.as_i64() {
        Some(n) if n < 0 => Err(format!("{n} is negative: counts are 0 or more")),
        Some(n) if n > MAX_COUNT => Err(format!("{n} is over {MAX_COUNT}")),
        Some(n) => Ok(n),
        None if v.as_u64().is_some() => Err(format!("{} is over {MAX_COUNT}", quote(v))),
        None => Err(format!(
            "expected a whole number from 0 to {MAX_COUNT}, got {}",
            quote(v)
        )),
    }
}

/// A number from 0 to [`MAX_SATISFACTION`].
fn satisfaction(v: &Value) -> Result<f64, String> {
    match v.as_f64() {
        Some(x) if (0.0..=MAX_SATISFACTION).contains(&x) => Ok(x),
        _ => Err(format!(
            "expected a score from 0 to {MAX_SATISFACTION}, got {}",
            quote(v)
        )),
    }
}

fn unknown_keys(o: &Map<String, Value>, path: &str, known: &[&str], errors: &mut Vec<String>) {
    for key in o.keys().filter(|k| !known.contains(&k.as_str())) {
        let key = quote(&Value::String(key.clone()));
        let at = if path.is_empty() { "body" } else { path };
        errors.push(format!(
            "{at}: unknown field {key} (expected {})",
            known.join(", ")
        ));
    }
}

/// A value as JSON, at most [`QUOTE`] bytes of it.
fn quote(v: &Value) -> String {
    let text = v.to_string();
    let mut end = QUOTE.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    if end < text.len() {
        format!("{}…", &text[..end])
    } else {
        text
    }
}

#[cfg(test)]
mod tests;
