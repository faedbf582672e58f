//! Validates one agency file: the agency, its systems (ids unique within the agency) and
//! their checks (ids unique within the system). Uniqueness of agency ids across files is
//! checked by `load`, which sees all files.

use super::super::model::*;
use super::super::raw::{self, Text};
use super::super::scalar::{self, Msg};
use super::check::check;
use super::{idx, sub, Ctx};

fn non_empty(s: &str) -> Result<String, Msg> {
    match s.trim() {
        "" => Err("expected a non-empty value".into()),
        _ => Ok(s.to_owned()),
    }
}

fn agency_kind(s: &str) -> Result<AgencyKind, Msg> {
    Ok(match s {
        "ministry" => AgencyKind::Ministry,
        "ministerial_agency" => AgencyKind::MinisterialAgency,
        "government_agency" => AgencyKind::GovernmentAgency,
        "province" => AgencyKind::Province,
        "city" => AgencyKind::City,
        _ => {
            return Err(format!(
                "unknown agency kind {s:?}: expected ministry, ministerial_agency, \
                 government_agency, province or city"
            ))
        }
    })
}

fn system_kind(s: &str) -> Result<SystemKind, Msg> {
    Ok(match s {
        "tthc" => SystemKind::Tthc,
        "portal" => SystemKind::Portal,
        "other" => SystemKind::Other,
        _ => {
            return Err(format!(
                "unknown system kind {s:?}: expected tthc, portal or other"
            ))
        }
    })
}

/// Reports the id `t` (as written) when an earlier sibling has the same one. Done on the
/// text, so that a duplicate is found even when the rest of its check is invalid.
fn unique(ctx: &mut Ctx<'_>, seen: &mut Vec<String>, t: &Text, path: &str, what: &str) -> bool {
    if seen.contains(&t.value) {
        ctx.error(
            t.referenced,
            path,
            format!("duplicate {what} id {:?}", t.value),
        );
        false
    } else {
        seen.push(t.value.clone());
        true
    }
}

pub fn agency_file(ctx: &mut Ctx<'_>, raw: &raw::AgencyFile, defaults: &Policy) -> Option<Agency> {
    let a = &raw.agency.value;
    let id = ctx.parse(&a.id, "agency.id", scalar::id);
    let code = ctx.parse(&a.code, "agency.code", non_empty);
    let name = ctx.parse(&a.name, "agency.name", non_empty);
    let kind = ctx.parse(&a.kind, "agency.kind", agency_kind);

    let mut systems = Vec::new();
    let mut seen = Vec::new();
    for (i, s) in raw.systems.iter().flatten().enumerate() {
        let path = idx("systems", i);
        let s = &s.value;
        let sid = ctx.parse(&s.id, &sub(&path, "id"), scalar::id);
        let sid = sid.filter(|_| unique(ctx, &mut seen, &s.id, &sub(&path, "id"), "system"));
        let sname = ctx.parse(&s.name, &sub(&path, "name"), non_empty);
        let skind = ctx.parse(&s.kind, &sub(&path, "kind"), system_kind);
        let required = ctx.or(
            s.required.as_ref(),
            &sub(&path, "required"),
            skind == Some(SystemKind::Tthc),
            scalar::boolean,
        );
        let mut checks = Vec::new();
        let mut seen_checks = Vec::new();
        for (j, c) in s.checks.iter().flatten().enumerate() {
            let cpath = idx(&sub(&path, "checks"), j);
            let owner = id.as_deref().zip(sid.as_deref());
            let check = check(ctx, c, &cpath, defaults, owner);
            if unique(
                ctx,
                &mut seen_checks,
                &c.value.id,
                &sub(&cpath, "id"),
                "check",
            ) {
                checks.extend(check);
            }
        }
        if let (Some(id), Some(name), Some(kind)) = (sid, sname, skind) {
            systems.push(System {
                id,
                name,
                kind,
                required,
                checks,
            });
        }
    }
    Some(Agency {
        id: id?,
        code: code?,
        name: name?,
        kind: kind?,
        file: ctx.file().to_path_buf(),
        systems,
    })
}
