//! An agency's `valid_from`, `valid_to` and `successor` (docs/configuration.md,
//! "Lifecycle"), within its file. That the successor is a known agency, and that no
//! chain of successors comes back to where it started, is checked by `load`, which sees
//! every file.

use chrono::NaiveDate;

use super::super::model::{Day, Lifecycle};
use super::super::raw::AgencySection;
use super::super::scalar::{self, Msg};
use super::Ctx;

/// `YYYY-MM-DD`, exactly.
fn date(s: &str) -> Result<NaiveDate, Msg> {
    let ok = s.len() == 10 && s.as_bytes()[4] == b'-' && s.as_bytes()[7] == b'-';
    match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) if ok => Ok(d),
        _ => Err(format!(
            "invalid date {s:?}: expected YYYY-MM-DD (a day in sla.timezone)"
        )),
    }
}

/// The lifecycle of the agency `own_id` (when its id is valid).
pub fn lifecycle(ctx: &mut Ctx<'_>, a: &AgencySection, own_id: Option<&str>) -> Lifecycle {
    let tz = ctx.timezone;
    let day = |ctx: &mut Ctx<'_>, t: Option<&super::Text>, key: &str| {
        let d = t.and_then(|t| ctx.parse(t, &format!("agency.{key}"), date))?;
        Some(Day {
            date: d,
            at: crate::util::midnight(tz, d),
        })
    };
    let valid_from = day(ctx, a.valid_from.as_ref(), "valid_from");
    let mut valid_to = day(ctx, a.valid_to.as_ref(), "valid_to");
    if let (Some(from), Some(to), Some(t)) = (valid_from, valid_to, a.valid_to.as_ref()) {
        if to.date <= from.date {
            ctx.error(
                t.referenced,
                "agency.valid_to",
                format!(
                    "valid_to {} must be after valid_from {}",
                    to.text(),
                    from.text()
                ),
            );
            valid_to = None;
        }
    }
    let successor = a.successor.as_ref().and_then(|t| {
        let id = ctx.parse(t, "agency.successor", scalar::id)?;
        let problem = if own_id == Some(id.as_str()) {
            Some(format!("an agency cannot be its own successor ({id:?})"))
        } else if a.valid_to.is_none() {
            Some(format!(
                "successor {id:?} needs valid_to: the date the agency was merged into it"
            ))
        } else {
            None
        };
        match problem {
            Some(m) => {
                ctx.error(t.referenced, "agency.successor", m);
                None
            }
            None => Some(id),
        }
    });
    Lifecycle {
        valid_from,
        valid_to,
        successor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_whole_days() {
        assert_eq!(date("2025-07-01").unwrap().to_string(), "2025-07-01");
        for bad in [
            "2025-7-1",
            "2025-13-01",
            "2025-02-30",
            "01/07/2025",
            "2025-07-01T00:00:00Z",
        ] {
            assert!(date(bad).is_err(), "{bad}");
        }
    }
}
