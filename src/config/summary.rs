//! The one-screen summary printed by `emcd check` for a valid configuration. Read-only
//! over the model.

use std::fmt::Write;

use super::model::{AgencyKind, Config, ReceiverKind};
use super::scalar::fmt_duration;

/// At most this many unregistered systems are listed by id.
const LISTED: usize = 10;

fn kind_name(k: AgencyKind) -> &'static str {
    match k {
        AgencyKind::Ministry => "ministry",
        AgencyKind::MinisterialAgency => "ministerial_agency",
        AgencyKind::GovernmentAgency => "government_agency",
        AgencyKind::Province => "province",
        AgencyKind::City => "city",
    }
}

use crate::util::plural as count;

/// Counts of agencies, systems, checks, receivers... and where data and the server go.
pub fn summary(cfg: &Config) -> String {
    // What runs today: agencies past their valid_to are counted apart.
    let live = cfg.clone().live_at(crate::util::unix_now());
    let cfg = &live;
    let kinds = [
        AgencyKind::Ministry,
        AgencyKind::MinisterialAgency,
        AgencyKind::GovernmentAgency,
        AgencyKind::Province,
        AgencyKind::City,
    ];
    let by_kind: Vec<String> = kinds
        .iter()
        .map(|&k| (k, cfg.agencies.iter().filter(|a| a.kind == k).count()))
        .filter(|&(_, n)| n > 0)
        .map(|(k, n)| format!("{n} {}", kind_name(k)))
        .collect();
    let systems: Vec<_> = cfg
        .agencies
        .iter()
        .flat_map(|a| a.systems.iter().map(move |s| (a, s)))
        .collect();
    let required = systems.iter().filter(|(_, s)| s.required).count();
    let unregistered: Vec<String> = systems
        .iter()
        .filter(|(_, s)| s.required && s.checks.is_empty())
        .map(|(a, s)| format!("{}/{}", a.id, s.id))
        .collect();
    let checks: Vec<&str> = cfg.checks().map(|(_, _, c)| c.kind.name()).collect();
    // `browser` only when there are some, so the line of a config without is unchanged.
    let check_kinds: Vec<String> = ["http", "tcp", "push", "browser"]
        .iter()
        .map(|k| (k, checks.iter().filter(|c| *c == k).count()))
        .filter(|(k, n)| **k != "browser" || *n > 0)
        .map(|(k, n)| format!("{n} {k}"))
        .collect();
    let webhooks = cfg
        .alerting
        .receivers
        .iter()
        .filter(|r| matches!(r.kind, ReceiverKind::Webhook(_)))
        .count();
    let repeat = match cfg.alerting.repeat_interval {
        d if d.is_zero() => "never repeated".to_owned(),
        d => format!("repeated every {}", fmt_duration(d)),
    };
    let r = &cfg.storage.retention;

    let mut out = String::new();
    let mut line = |label: &str, text: String| {
        let _ = writeln!(out, "{label:<12} {text}");
    };
    line("config", format!("{} is valid", cfg.source.display()));
    line(
        "agencies",
        format!("{} ({})", cfg.agencies.len(), by_kind.join(", ")),
    );
    if !cfg.retired.is_empty() {
        let merged = cfg
            .retired
            .iter()
            .filter(|a| a.lifecycle.successor.is_some())
            .count();
        line(
            "",
            format!(
                "and {} past valid_to, not probed ({merged} merged into a successor)",
                cfg.retired.len()
            ),
        );
    }
    line(
        "systems",
        format!(
            "{}, {required} required, {} unregistered",
            systems.len(),
            unregistered.len()
        ),
    );
    if !unregistered.is_empty() {
        let mut listed = unregistered[..unregistered.len().min(LISTED)].join(", ");
        if unregistered.len() > LISTED {
            let _ = write!(listed, " and {} more", unregistered.len() - LISTED);
        }
        line("", format!("required, without checks: {listed}"));
    }
    line(
        "checks",
        format!("{} ({})", checks.len(), check_kinds.join(", ")),
    );
    line(
        "alerting",
        format!(
            "{} ({webhooks} webhook), {}, {repeat}",
            count(cfg.alerting.receivers.len(), "receiver"),
            count(cfg.alerting.routes.len(), "route"),
        ),
    );
    line("maintenance", count(cfg.maintenance.len(), "window"));
    line(
        "storage",
        format!(
            "{} (raw {}, hourly {}, daily {})",
            database(&cfg.storage),
            fmt_duration(r.raw),
            fmt_duration(r.hourly),
            fmt_duration(r.daily)
        ),
    );
    let scheme = match &cfg.server.tls {
        Some(super::ServerTls(pair)) => format!("https, {}", pair.cert_file.display()),
        None => "http".to_owned(),
    };
    line("listen", format!("{} ({scheme})", cfg.server.listen));
    out
}

/// The database as `emcd check` names it: the SQLite file, or the PostgreSQL server
/// without its password.
fn database(s: &super::Storage) -> String {
    let Some(url) = &s.postgres else {
        return s.path.display().to_string();
    };
    match url::Url::parse(&url.0) {
        Ok(u) => format!(
            "PostgreSQL {}@{}:{}{}",
            u.username(),
            u.host_str().unwrap_or_default(),
            u.port().unwrap_or(5432),
            u.path()
        ),
        Err(_) => "PostgreSQL".to_owned(),
    }
}
