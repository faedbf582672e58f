//! The status page (docs/api.md): server-rendered HTML at `/` and `/agencies/{agency}`, no
//! external assets and no script, readable on a phone. Everything that comes from
//! config or results is escaped (`html::esc`). Reads the fleet and the store only.
//!
//! Map: `html` (escaping, page shell and CSS), `index` (`/`), `agency` (one agency),
//! `bars` (the 90 daily availability bars).

mod agency;
mod bars;
mod csp;
mod html;
mod index;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;

use crate::api::snapshot::Snapshot;
use crate::api::AppState;
use crate::reply::Body;
use crate::util::unix_now;

pub use html::esc;

pub async fn handle(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path();
    let agency = match path {
        "/" => None,
        _ => match path.strip_prefix("/agencies/") {
            Some(id) if !id.is_empty() && !id.contains('/') => Some(id),
            _ => return not_found("No such page."),
        },
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut r = html_response(
            StatusCode::METHOD_NOT_ALLOWED,
            html::page(
                "Method not allowed",
                "<h1>Method not allowed</h1><p>This page is read with GET.</p>",
                "",
            ),
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let snap = Snapshot::take(app.fleet.current(), unix_now());
    let Some(id) = agency else {
        let config = &snap.fleet.config;
        let card = match app.last_month.get(&app.store, config, snap.now).await {
            Ok(card) => Some(card),
            Err(e) => {
                tracing::error!(error = %e, "reading last month's scorecard for the status page");
                None
            }
        };
        let page = index::render(&snap, card.as_ref().map(|(m, c)| (m.as_str(), &**c)));
        return html_response(StatusCode::OK, impaired(app, page));
    };
    let Some(a) = snap.agency(id) else {
        return not_found("No agency with this id.");
    };
    let checks: Vec<_> = a.systems.iter().flat_map(|s| &s.checks).collect();
    let max_cap = checks
        .iter()
        .map(|c| crate::api::cap(&c.runtime))
        .max()
        .unwrap_or(0);
    let (days, from) = agency::range(snap.now, snap.fleet.config.sla.timezone, max_cap);
    let ids: Vec<i64> = checks.iter().map(|c| c.runtime.db_id).collect();
    let history = match agency::history(&app.store, &ids, &days, from, snap.now, max_cap).await {
        Ok(h) => Some(h),
        Err(e) => {
            tracing::error!(error = %e, agency = id, "reading results for the status page");
            None
        }
    };
    html_response(
        StatusCode::OK,
        impaired(app, agency::render(&snap, a, &days, history.as_ref())),
    )
}

/// While the vantage is impaired the page says so first, so that nobody reads a red
/// page as the agencies' fault (docs/alerts.md, "VantageImpaired").
fn impaired(app: &AppState, page: String) -> String {
    let Some(since) = app.vantage.impaired_since() else {
        return page;
    };
    let notice = format!(
        "<main>\n<p class=\"notice\">Measurement impaired: emcd's own network (vantage {}) \
         cannot reach its reference targets since {}. Results are recorded as unknown and \
         never counted against agencies until it recovers.</p>\n",
        esc(&app.vantage.id),
        esc(&crate::util::rfc3339(since)),
    );
    page.replacen("<main>\n", &notice, 1)
}

fn not_found(why: &str) -> Response<Body> {
    let body = format!(
        "<h1>Not found</h1><p>{}</p><p><a href=\"/\">All agencies</a></p>",
        esc(why)
    );
    html_response(StatusCode::NOT_FOUND, html::page("Not found", &body, ""))
}

fn html_response(status: StatusCode, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CONTENT_SECURITY_POLICY, csp::policy(html::CSS))
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(Full::new(Bytes::from(body)))
        .expect("static response parts are valid")
}
