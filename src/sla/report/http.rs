//! `GET /api/v1/reports/sla` and `/api/v1/reports/compliance` (SPEC 7), and the period
//! arguments shared with `emcd report`.

use http::{header, Method, Request, Response, StatusCode};
use hyper::body::Incoming;

use super::format::{self, Format};
use super::Period;
use crate::server::{error, AppState, Body};
use crate::sla::time;

/// The period: `month` (default: the current month) gives the bounds that `from`/`to`
/// do not (dates or RFC 3339; `to` as a date includes that day); without `month`, a
/// missing `to` means now. Rounded out to whole hours. An inverted range is an empty
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
        Some(f) => time::bound(tz, f, false).map_err(|e| format!("from: {e}"))?,
        None => match base {
            Some(b) => b.0,
            None => time::month(tz, &current_month(tz, now))?.0,
        },
    };
    let to = match to {
        Some(t) => time::bound(tz, t, true).map_err(|e| format!("to: {e}"))?,
        None => base.map_or(now, |b| b.1),
    };
    let from = from.div_euclid(3600) * 3600;
    let to = ((to + 3599).div_euclid(3600) * 3600).max(from);
    Ok(Period { from, to })
}

fn current_month(tz: chrono_tz::Tz, now: i64) -> String {
    time::date_text(tz, now)[..7].to_owned()
}

/// A query parameter, percent-decoded.
pub fn param(req: &Request<Incoming>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(req.uri().query()?.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

pub async fn handle(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    if req.method() != Method::GET {
        return crate::server::method_not_allowed("GET", "use GET");
    }
    let config = app.fleet.current().config.clone();
    let now = crate::util::unix_now();
    let bad = |m: String| error(StatusCode::BAD_REQUEST, "bad_request", &m);
    let fmt = match param(&req, "format").as_deref().unwrap_or("json") {
        "json" => Format::Json,
        "csv" => Format::Csv,
        other => return bad(format!("format={other:?}: expected json or csv")),
    };
    let period = match period(
        config.sla.timezone,
        param(&req, "month").as_deref(),
        param(&req, "from").as_deref(),
        param(&req, "to").as_deref(),
        now,
    ) {
        Ok(p) => p,
        Err(e) => return bad(e),
    };
    let agency = param(&req, "agency");
    let agency = agency.as_deref();
    if let Some(a) = agency {
        if !config.agencies.iter().any(|x| x.id == a) {
            return error(
                StatusCode::NOT_FOUND,
                "unknown_agency",
                &format!("no agency {a:?}"),
            );
        }
    }
    let body = match req.uri().path() {
        "/api/v1/reports/sla" => match super::sla(&app.store, &config, period, agency).await {
            Ok(r) if fmt == Format::Csv => format::sla_csv(&r),
            Ok(r) => serde_json::to_string(&r).expect("reports serialize"),
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
        },
        _ => match super::compliance::compliance(&app.store, &config, period, agency, now).await {
            Ok(r) if fmt == Format::Csv => format::compliance_csv(&r),
            Ok(r) => serde_json::to_string(&r).expect("reports serialize"),
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
        },
    };
    Response::builder()
        .header(header::CONTENT_TYPE, fmt.content_type())
        .body(http_body_util::Full::new(bytes::Bytes::from(body)))
        .expect("static response parts are valid")
}

/// `emcd report`: the same reports from the database, without a daemon.
pub async fn command(
    kind: &str,
    config: &crate::config::Config,
    period: Period,
    agency: Option<&str>,
    fmt: Format,
) -> anyhow::Result<String> {
    anyhow::ensure!(
        period.to > period.from,
        "the period is empty: --to must be after --from"
    );
    let (store, conn) = crate::store::Store::open(&config.storage.path).await?;
    drop(conn);
    if let Some(a) = agency {
        anyhow::ensure!(
            config.agencies.iter().any(|x| x.id == a),
            "no agency {a:?} in the config"
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
        (_, f) => {
            let r = super::compliance::compliance(&store, config, period, agency, now).await?;
            match f {
                Format::Json => serde_json::to_string_pretty(&r)?,
                Format::Csv => format::compliance_csv(&r),
                Format::Table => format::compliance_table(&r),
            }
        }
    })
}
