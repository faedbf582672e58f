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
    let (a, at) = (&raw.agency.value, raw.agency.referenced);
    let need = |ctx: &mut Ctx<'_>, t: Option<&Text>, key: &str| {
        ctx.required(t, at, "agency", key).cloned()
    };
    let (id, code) = (
        need(ctx, a.id.as_ref(), "id"),
        need(ctx, a.code.as_ref(), "code"),
    );
    let (name, kind) = (
        need(ctx, a.name.as_ref(), "name"),
        need(ctx, a.kind.as_ref(), "kind"),
    );
    let id = id.and_then(|t| ctx.parse(&t, "agency.id", scalar::id));
    let code = code.and_then(|t| ctx.parse(&t, "agency.code", non_empty));
    let name = name.and_then(|t| ctx.parse(&t, "agency.name", non_empty));
    let kind = kind.and_then(|t| ctx.parse(&t, "agency.kind", agency_kind));
    let lifecycle = super::lifecycle::lifecycle(ctx, a, id.as_deref());
    let indicators_token = a
        .indicators_token
        .as_ref()
        .and_then(|t| ctx.parse(t, "agency.indicators_token", scalar::token_digest));

    let mut systems = Vec::new();
    let mut seen = Vec::new();
    for (i, s) in raw.systems.iter().flatten().enumerate() {
        let path = idx("systems", i);
        let (s, at) = (&s.value, s.referenced);
        let sid = ctx.required(s.id.as_ref(), at, &path, "id");
        let sname = ctx.required(s.name.as_ref(), at, &path, "name");
        let skind = ctx.required(s.kind.as_ref(), at, &path, "kind");
        let sid = sid.and_then(|t| {
            let id = ctx.parse(t, &sub(&path, "id"), scalar::id);
            id.filter(|_| unique(ctx, &mut seen, t, &sub(&path, "id"), "system"))
        });
        let sname = sname.and_then(|t| ctx.parse(t, &sub(&path, "name"), non_empty));
        let skind = skind.and_then(|t| ctx.parse(t, &sub(&path, "kind"), system_kind));
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
            let Some(cid) = &c.value.id else {
                continue; // reported by `check`
            };
            if unique(ctx, &mut seen_checks, cid, &sub(&cpath, "id"), "check") {
                checks.extend(check.map(std::sync::Arc::new));
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
        indicators_token,
        file: ctx.file().to_path_buf(),
        systems,
        lifecycle,
    })
}
