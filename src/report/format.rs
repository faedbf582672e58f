//! Renders reports as JSON, CSV (one row per check, system and agency for SLA; per
//! agency for compliance; the policy and period in every row) or an aligned table.

use super::compliance::{ComplianceReport, Mode};
use super::{Figures, SlaReport};
use crate::connection::league::League;

mod scorecard;

pub use scorecard::{scorecard_csv, scorecard_table};

/// Output formats of reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Aligned columns for a terminal.
    Table,
    /// One JSON document, as `GET /api/v1/reports/...` answers.
    Json,
    /// Comma-separated values with a header row, for a spreadsheet.
    Csv,
}

impl Format {
    pub fn parse(s: &str) -> Option<Format> {
        match s {
            "table" => Some(Format::Table),
            "json" => Some(Format::Json),
            "csv" => Some(Format::Csv),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::Table => "text/plain; charset=utf-8",
        }
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

/// Appends one CSV line of `cells`, each quoted where it must be.
fn csv_row(out: &mut String, cells: &[String]) {
    let line: Vec<String> = cells.iter().map(|c| csv_field(c)).collect();
    out.push_str(&line.join(","));
    out.push('\n');
}

/// The columns a ranked agency's row starts with, after the report's own:
/// `league,rank,agency,name,kind`.
fn ranked(league: League, rank: usize, agency: &str, name: &str, kind: &str) -> [String; 5] {
    [
        league.as_str().to_owned(),
        rank.to_string(),
        agency.to_owned(),
        name.to_owned(),
        kind.to_owned(),
    ]
}

fn opt(v: Option<f64>, digits: usize) -> String {
    v.map(|v| format!("{v:.digits$}")).unwrap_or_default()
}

fn figure_cells(f: &Figures) -> Vec<String> {
    vec![
        opt(f.availability, 6),
        format!("{:.0}", f.downtime_seconds),
        f.incidents.to_string(),
        opt(f.p50_ms, 1),
        opt(f.p95_ms, 1),
        opt(f.p99_ms, 1),
        format!("{:.4}", f.coverage),
        f.results.to_string(),
        format!("{}", f.slo),
        f.slo_met.map(|m| m.to_string()).unwrap_or_default(),
    ]
}

const SLA_HEADER: &str = "policy,period_from,period_to,level,agency,system,check,availability,downtime_seconds,incidents,p50_ms,p95_ms,p99_ms,coverage,results,slo,slo_met,note";

/// The SLA report as CSV.
pub fn sla_csv(r: &SlaReport) -> String {
    let mut out = String::from(SLA_HEADER);
    out.push('\n');
    let lead = [
        r.policy.name.to_owned(),
        r.period_local.0.clone(),
        r.period_local.1.clone(),
    ];
    let mut line = |level: &str, ids: [&str; 3], f: &Figures, note: Option<&String>| {
        let cells: Vec<String> = lead
            .iter()
            .cloned()
            .chain([level.to_owned()])
            .chain(ids.iter().map(|s| s.to_string()))
            .chain(figure_cells(f))
            .chain([note.cloned().unwrap_or_default()])
            .collect();
        csv_row(&mut out, &cells);
    };
    for a in &r.agencies {
        line("agency", [&a.agency, "", ""], &a.figures, a.note.as_ref());
    }
    for s in &r.systems {
        line("system", [&s.agency, &s.system, ""], &s.figures, None);
    }
    for c in &r.checks {
        line("check", [&c.agency, &c.system, &c.check], &c.figures, None);
    }
    out
}

/// The compliance report as CSV: one row per agency, by league and rank.
pub fn compliance_csv(r: &ComplianceReport) -> String {
    let mut out = String::from("policy,mode,at,period_from,period_to,league,rank,agency,name,kind,required,connected,disconnected,unregistered,ratio,connection,availability,note\n");
    let at = crate::util::rfc3339(r.at);
    let mode = match r.mode {
        Mode::Snapshot => "snapshot",
        Mode::Period => "period",
    };
    for a in &r.agencies {
        let lead = [
            r.policy.name.to_owned(),
            mode.to_owned(),
            at.clone(),
            r.period_local.0.clone(),
            r.period_local.1.clone(),
        ];
        let rest = [
            a.required.to_string(),
            a.connected.to_string(),
            a.disconnected.to_string(),
            a.unregistered.to_string(),
            format!("{:.4}", a.ratio),
            opt(a.connection, 6),
            opt(a.availability, 6),
            a.note.clone().unwrap_or_default(),
        ];
        let ranked = ranked(a.league, a.rank, &a.agency, &a.name, a.kind);
        csv_row(&mut out, &[&lead[..], &ranked, &rest].concat());
    }
    out
}

fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
            + "\n"
    };
    let mut out = line(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        out.push_str(&line(r.clone()));
    }
    out
}

/// The lines' notes (docs/results.md, "Agencies that merge"), one per agency under
/// its table; empty when no line has one.
fn notes<'a>(lines: impl Iterator<Item = (&'a str, Option<&'a String>)>) -> String {
    let list: Vec<String> = lines
        .filter_map(|(agency, note)| note.map(|n| format!("  {agency}: {n}\n")))
        .collect();
    if list.is_empty() {
        String::new()
    } else {
        format!("notes:\n{}", list.concat())
    }
}

/// One table per league (ministries, then provinces), each followed by its lines'
/// notes; `key` gives a line's league, agency and note.
fn league_tables<R>(
    lines: &[R],
    key: impl Fn(&R) -> (League, &str, Option<&String>),
    header: &[&str],
    row: impl Fn(&R) -> Vec<String>,
) -> String {
    let mut out = String::new();
    for league in [League::Ministries, League::Provinces] {
        let of: Vec<&R> = lines.iter().filter(|l| key(l).0 == league).collect();
        if of.is_empty() {
            continue;
        }
        let rows: Vec<Vec<String>> = of.iter().map(|l| row(l)).collect();
        out.push_str(&format!("\n{}\n", league.title()));
        out.push_str(&table(header, &rows));
        out.push_str(&notes(of.iter().map(|l| {
            let (_, agency, note) = key(l);
            (agency, note)
        })));
    }
    out
}

fn pct(v: Option<f64>) -> String {
    v.map(|v| format!("{:.3}%", v * 100.0))
        .unwrap_or_else(|| "-".into())
}

/// The SLA report as a table for a terminal.
pub fn sla_table(r: &SlaReport) -> String {
    let mut out = format!(
        "SLA report {} .. {} ({}), policy {} (maintenance {}), coverage {:.1}%\n\n",
        r.period_local.0,
        r.period_local.1,
        r.policy.timezone,
        r.policy.name,
        if r.policy.exclude_maintenance {
            "excluded"
        } else {
            "counted as down"
        },
        r.coverage * 100.0
    );
    let row = |id: String, f: &Figures| {
        vec![
            id,
            pct(f.availability),
            format!("{:.0}", f.downtime_seconds),
            f.incidents.to_string(),
            opt(f.p95_ms, 0),
            format!("{:.1}%", f.coverage * 100.0),
            match f.verdict {
                "met" => "met".into(),
                "missed" => "MISSED".into(),
                "insufficient_coverage" => "no verdict (coverage < 50%)".into(),
                _ => "-".into(),
            },
        ]
    };
    let header = [
        "",
        "availability",
        "downtime_s",
        "incidents",
        "p95_ms",
        "coverage",
        "slo",
    ];
    let agencies: Vec<Vec<String>> = r
        .agencies
        .iter()
        .map(|a| row(a.agency.clone(), &a.figures))
        .collect();
    out.push_str(&table(&header, &agencies));
    out.push_str(&notes(
        r.agencies
            .iter()
            .map(|a| (a.agency.as_str(), a.note.as_ref())),
    ));
    out.push('\n');
    let checks: Vec<Vec<String>> = r
        .checks
        .iter()
        .map(|c| row(format!("{}/{}/{}", c.agency, c.system, c.check), &c.figures))
        .collect();
    out.push_str(&table(&header, &checks));
    out
}

/// The compliance report as a table for a terminal: one table per league.
pub fn compliance_table(r: &ComplianceReport) -> String {
    let mut out = match r.mode {
        Mode::Snapshot => format!(
            "Compliance with the connection mandate as of {} (window {} s)\n",
            crate::util::rfc3339(r.at),
            r.connection_window_seconds
        ),
        Mode::Period => format!(
            "Compliance with the connection mandate {} .. {} ({}): share of the period connected; \
             systems connected as of {} (window {} s)\n",
            r.period_local.0,
            r.period_local.1,
            r.policy.timezone,
            crate::util::rfc3339(r.at),
            r.connection_window_seconds
        ),
    };
    out.push_str(&league_tables(
        &r.agencies,
        |a| (a.league, a.agency.as_str(), a.note.as_ref()),
        &[
            "rank",
            "agency",
            "connection",
            "connected",
            "disconnected",
            "unregistered",
            "ratio",
            "availability",
        ],
        |a| {
            vec![
                a.rank.to_string(),
                a.agency.clone(),
                pct(a.connection),
                format!("{}/{}", a.connected, a.required),
                a.disconnected.to_string(),
                a.unregistered.to_string(),
                format!("{:.1}%", a.ratio * 100.0),
                pct(a.availability),
            ]
        },
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_league_has_its_table_and_the_notes_of_its_lines() {
        let note = "includes Bắc Giang (bac-giang, merged 2025-07-01)".to_owned();
        let lines = [
            (League::Provinces, "bac-ninh", Some(note.clone())),
            (League::Ministries, "bo-a", None),
        ];
        let out = league_tables(
            &lines,
            |l| (l.0, l.1, l.2.as_ref()),
            &["agency", "x"],
            |l| vec![l.1.to_owned(), "1".into()],
        );
        let ministries = out.find(League::Ministries.title()).unwrap();
        let provinces = out.find(League::Provinces.title()).unwrap();
        assert!(ministries < provinces, "{out}");
        assert!(
            out.ends_with(&format!("notes:\n  bac-ninh: {note}\n")),
            "{out}"
        );
        assert_eq!(
            out.matches("notes:").count(),
            1,
            "no notes for bo-a's league: {out}"
        );
    }
}
