//! `emcd report`, and the period arguments it shares with `GET /api/v1/reports/*`
//! (docs/api.md).

use super::compliance::Mode;
use super::format::{self, Format};
use super::Period;
use crate::sla::time::{self, Bound};

/// The period: `month` (default: the current month) gives the bounds that `from`/`to`
/// do not (parsed by `sla::time::bound`, both ends included, as on every route);
/// without `month`, a missing `to` means now. Rounded out to whole hours. An inverted range is an empty
/// period (reports with no data), not an error.
pub fn period(
    tz: chrono_tz::Tz,
    month: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
    now: i64,
) -> Result<Period, String> {
    let base = match month {
        Some(m) => Some(time::month(tz, m)?),
        None => None,
    };
    let from = match from {
        Some(f) => time::bound(tz, f, Bound::From).map_err(|e| format!("from: {e}"))?,
        None => match base {
            Some(b) => b.0,
            None => time::month(tz, &current_month(tz, now))?.0,
        },
    };
    let to = match to {
        // `to` is included: the period ends right after it.
        Some(t) => time::bound(tz, t, Bound::To).map_err(|e| format!("to: {e}"))? + 1,
        None => base.map_or(now, |b| b.1),
    };
    let from = from.div_euclid(3600) * 3600;
    let to = ((to + 3599).div_euclid(3600) * 3600).max(from);
    Ok(Period { from, to })
}

/// A compliance report is over a period when one is asked for (`month`, `from` or
/// `to`), else the snapshot of now.
pub fn mode(month: Option<&str>, from: Option<&str>, to: Option<&str>) -> Mode {
    if month.is_some() || from.is_some() || to.is_some() {
        Mode::Period
    } else {
        Mode::Snapshot
    }
}

fn current_month(tz: chrono_tz::Tz, now: i64) -> String {
    time::date_text(tz, now)[..7].to_owned()
}

/// `emcd report`: the same reports from the database, without a daemon.
pub async fn command(
    kind: &str,
    config: &crate::config::Config,
    period: Period,
    agency: Option<&str>,
    fmt: Format,
    mode: Mode,
) -> anyhow::Result<String> {
    anyhow::ensure!(
        period.to > period.from,
        "the period is empty: --to must be after --from"
    );
    let location = crate::store::location(&config.storage).map_err(anyhow::Error::msg)?;
    let store = crate::store::Store::open_read_only_at(&location).await?;
    if let Some(a) = agency {
        anyhow::ensure!(
            super::lifecycle::known(&store, config, a).await?,
            "no agency {a:?} in the config or the stored history"
        );
    }
    let now = crate::util::unix_now();
    Ok(match (kind, fmt) {
        ("sla", Format::Json) => {
            serde_json::to_string_pretty(&super::sla(&store, config, period, agency).await?)?
        }
        ("sla", Format::Csv) => format::sla_csv(&super::sla(&store, config, period, agency).await?),
        ("sla", Format::Table) => {
            format::sla_table(&super::sla(&store, config, period, agency).await?)
        }
        ("scorecard", f) => {
            let r = super::scorecard::scorecard(&store, config, period, agency, now).await?;
            match f {
                Format::Json => serde_json::to_string_pretty(&r)?,
                Format::Csv => format::scorecard_csv(&r),
                Format::Table => format::scorecard_table(&r),
            }
        }
        (_, f) => {
            let r =
                super::compliance::compliance(&store, config, period, agency, now, mode).await?;
            match f {
                Format::Json => serde_json::to_string_pretty(&r)?,
                Format::Csv => format::compliance_csv(&r),
                Format::Table => format::compliance_table(&r),
            }
        }
    })
}
