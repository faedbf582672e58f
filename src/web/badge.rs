//! Badges (SPEC 12): `GET /badge/{agency}.svg` and `/badge/{agency}/{system}.svg`, a
//! small SVG with the state and the availability of the last 30 days, for agencies to
//! embed on their portals (`<img src=...>`). In the request's language like the pages.
//! Cached for a minute (`Cache-Control: max-age=60`), with an `ETag` of the body, and
//! `304 Not Modified` when `If-None-Match` names it.

use bytes::Bytes;
use http::{header, Method, Request, Response, StatusCode};
use http_body_util::Full;

use super::bars::{self, Day};
use super::history::{self, History};
use super::html::esc;
use super::i18n::{self, percent, t, Lang};
use super::words::Level;
use crate::api::snapshot::{AgencyView, Snapshot, SystemView};
use crate::api::AppState;
use crate::check::state::CheckStatus;
use crate::connection::Connection;
use crate::reply::{error, Body};
use crate::sla::seconds::Seconds;
use crate::util::unix_now;

/// Days the badge's figure covers.
pub const DAYS: usize = 30;

/// Answers a badge request (the server routes `/badge/` here).
pub async fn handle<B>(app: &AppState, req: Request<B>) -> Response<Body> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return crate::reply::method_not_allowed("GET, HEAD", "badges are read with GET");
    }
    let path = req.uri().path();
    let Some((agency, system)) = parse(path) else {
        return error(
            StatusCode::NOT_FOUND,
            "not_found",
            &format!(
                "no badge at {path}: use /badge/{{agency}}.svg or /badge/{{agency}}/{{system}}.svg"
            ),
        );
    };
    let fleet = app.fleet.current();
    let lang = i18n::negotiate(
        req.uri().query(),
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        fleet.config.server.language,
    );
    let now = unix_now();
    let snap = Snapshot::take(fleet, now);
    let Some(a) = snap.agency(agency) else {
        return error(
            StatusCode::NOT_FOUND,
            "unknown_agency",
            &format!("no agency {agency:?}"),
        );
    };
    let s = match system {
        None => None,
        Some(id) => match a.systems.iter().find(|s| s.id == id) {
            Some(s) => Some(s),
            None => {
                return error(
                    StatusCode::NOT_FOUND,
                    "unknown_system",
                    &format!("no system {id:?} in agency {agency:?}"),
                )
            }
        },
    };
    let systems: Vec<&SystemView> = match s {
        Some(s) => vec![s],
        None => a.systems.iter().collect(),
    };
    let checks: Vec<_> = systems.iter().flat_map(|s| &s.checks).collect();
    let max_cap = checks
        .iter()
        .map(|c| crate::api::cap(&c.runtime))
        .max()
        .unwrap_or(0);
    let tz = snap.fleet.config.sla.timezone;
    let days = bars::last_days(now, tz, DAYS);
    let from = days.first().map_or(now, |d| d.start) - max_cap;
    let ids: Vec<i64> = checks.iter().map(|c| c.runtime.db_id).collect();
    let figure = match history::history(&app.store, &ids, &days, from, now, max_cap).await {
        Ok(h) => availability(
            &h,
            &checks,
            &days,
            snap.fleet.config.sla.exclude_maintenance,
        ),
        Err(e) => {
            tracing::error!(error = %e, agency, "reading results for a badge");
            None
        }
    };
    let (level, state) = match s {
        Some(s) => system_state(lang, s),
        None => agency_state(lang, a),
    };
    let label = s.map_or(a.name.as_str(), |s| s.name.as_str());
    let body = render(lang, label, state, level, figure);
    let etag = format!("\"{}\"", digest(&body));
    let mut r = Response::builder()
        .header(header::CACHE_CONTROL, "max-age=60")
        .header(header::ETAG, &etag)
        .header(header::VARY, "accept-language")
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CONTENT_SECURITY_POLICY, "default-src 'none'");
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        r = r.status(StatusCode::NOT_MODIFIED);
        return r
            .body(Full::new(Bytes::new()))
            .expect("static response parts are valid");
    }
    r.status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "image/svg+xml; charset=utf-8")
        .body(Full::new(Bytes::from(body)))
        .expect("static response parts are valid")
}

/// `(agency, system)` of `/badge/{agency}.svg` or `/badge/{agency}/{system}.svg`.
fn parse(path: &str) -> Option<(&str, Option<&str>)> {
    let rest = path.strip_prefix("/badge/")?.strip_suffix(".svg")?;
    let ok = |s: &str| !s.is_empty() && !s.contains('/');
    match rest.split_once('/') {
        None if ok(rest) => Some((rest, None)),
        Some((a, s)) if ok(a) && ok(s) => Some((a, Some(s))),
        _ => None,
    }
}

/// The availability of these checks together over `days`, `None` below the page's
/// minimum coverage.
fn availability(
    h: &History,
    checks: &[&crate::api::snapshot::CheckView],
    days: &[Day],
    exclude: bool,
) -> Option<f64> {
    let mut total = Seconds::default();
    for c in checks {
        let rt = &c.runtime;
        let empty = Vec::new();
        let results = h.raw.get(&rt.db_id).unwrap_or(&empty);
        let rolled = |day: i64| h.daily.get(&(rt.db_id, day)).copied();
        for s in bars::daily(results, crate::api::cap(rt), days, rolled) {
            total.add(s);
        }
    }
    (total.covered() >= bars::MIN_COVERAGE)
        .then(|| total.availability(exclude))
        .flatten()
}

fn agency_state(lang: Lang, a: &AgencyView) -> (Level, &'static str) {
    match super::index::level(a) {
        Level::Ok => (Level::Ok, t(lang, "state.up")),
        Level::Warn => (Level::Warn, t(lang, "badge.attention")),
        Level::Bad => (Level::Bad, t(lang, "badge.problem")),
    }
}

fn system_state(lang: Lang, s: &SystemView) -> (Level, &'static str) {
    let measured = || s.checks.iter().filter(|c| c.live.last.is_some());
    if measured().any(|c| c.live.state.status == CheckStatus::Down) {
        return (Level::Bad, t(lang, "state.down"));
    }
    match s.connection {
        Connection::Connected => {}
        other => return (Level::Bad, super::words::connection(lang, other)),
    }
    if measured().any(|c| c.live.state.status == CheckStatus::Degraded) {
        return (Level::Warn, t(lang, "state.degraded"));
    }
    (Level::Ok, t(lang, "state.up"))
}

/// Rough width of `text` in pixels at 11 px (badges need no exact metrics).
fn width(text: &str) -> usize {
    text.chars().count() * 7 + 12
}

/// The badge: `label` on grey, the state and the figure on the state's colour.
pub fn render(lang: Lang, label: &str, state: &str, level: Level, figure: Option<f64>) -> String {
    let value = match figure {
        Some(r) => format!("{state} · {} {}", percent(lang, r), t(lang, "badge.days")),
        None => state.to_owned(),
    };
    let colour = match level {
        Level::Ok => "#1a7f37",
        Level::Warn => "#b35900",
        Level::Bad => "#c62828",
    };
    let (lw, vw) = (width(label), width(&value));
    let all = lw + vw;
    let text = esc(&format!("{label}: {value}"));
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{all}\" height=\"20\" role=\"img\" \
         aria-label=\"{text}\"><title>{text}</title>\
         <rect width=\"{lw}\" height=\"20\" fill=\"#555\"/>\
         <rect x=\"{lw}\" width=\"{vw}\" height=\"20\" fill=\"{colour}\"/>\
         <g fill=\"#fff\" text-anchor=\"middle\" font-family=\"Verdana,DejaVu Sans,sans-serif\" font-size=\"11\">\
         <text x=\"{lx}\" y=\"14\">{label}</text><text x=\"{vx}\" y=\"14\">{value}</text></g></svg>\n",
        lx = lw / 2,
        vx = lw + vw / 2,
        label = esc(label),
        value = esc(&value),
    )
}

/// 16 hex digits of the SHA-256 of `body`.
fn digest(body: &str) -> String {
    let d = ring::digest::digest(&ring::digest::SHA256, body.as_bytes());
    d.as_ref()[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_an_agency_and_maybe_a_system() {
        assert_eq!(parse("/badge/ha-noi.svg"), Some(("ha-noi", None)));
        assert_eq!(
            parse("/badge/ha-noi/cong-dvc.svg"),
            Some(("ha-noi", Some("cong-dvc")))
        );
        for bad in [
            "/badge/.svg",
            "/badge/ha-noi",
            "/badge/a/b/c.svg",
            "/badge//x.svg",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_badge_says_the_state_and_the_figure() {
        let svg = render(
            Lang::Vi,
            "Hà Nội <1>",
            "Hoạt động bình thường",
            Level::Ok,
            Some(0.9995),
        );
        assert!(
            svg.contains(
                "<title>Hà Nội &lt;1&gt;: Hoạt động bình thường · 99,95 % 30 ngày</title>"
            ),
            "{svg}"
        );
        assert!(svg.contains("fill=\"#1a7f37\""));
        let svg = render(Lang::En, "Hà Nội", "down", Level::Bad, None);
        assert!(
            svg.contains("<title>Hà Nội: down</title>") && svg.contains("#c62828"),
            "{svg}"
        );
    }
}
