//! The status page (docs/api.md): server-rendered HTML at `/` and `/agencies/{agency}`, no
//! external assets and no script, readable on a phone. Everything that comes from
//! config or results is escaped (`html::esc`). Reads the fleet and the store only.
//!
//! Every page speaks the request's language (`i18n::negotiate`: `?lang=`, then
//! `Accept-Language`, then `server.language`) and shows times in `sla.timezone`.
//!
//! Map: `i18n` (the two catalogues and the formats of numbers, dates and plurals),
//! `html` (escaping, page shell with the language switch, and CSS), `words` (states,
//! alerts and reasons in words), `index` (`/`), `agency` (one agency), `bars` (the 90
//! daily availability bars), `chart` (the SVG pictures), `history` (what an agency's
//! page reads from the store), `going_on` (open incidents and maintenance).

mod agency;
mod badge;
mod bars;
mod chart;
mod csp;
mod going_on;
mod history;
mod html;
pub mod i18n;
mod index;
mod page_figures;
mod words;

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;

use crate::api::snapshot::Snapshot;
use crate::api::AppState;
use crate::reply::Body;
use crate::util::unix_now;

pub use badge::handle as badge;
pub use html::esc;

pub async fn handle(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path();
    let fleet = app.fleet.current();
    let config = &fleet.config;
    let lang = i18n::negotiate(
        req.uri().query(),
        req.headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
        config.server.language,
    );
    let tz = config.sla.timezone;
    let now = unix_now();
    let generated = format!(
        "<time datetime=\"{}\">{}</time>",
        crate::util::rfc3339(now),
        esc(&i18n::date_time(lang, now, tz))
    );
    let shell = html::Shell {
        lang,
        path,
        generated: &generated,
    };
    let agency = match path {
        "/" => None,
        _ => match path.strip_prefix("/agencies/") {
            Some(id) if !id.is_empty() && !id.contains('/') => Some(id),
            _ => return not_found(&shell, "notfound.page"),
        },
    };
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let title = i18n::t(lang, "method.title");
        let body = format!("<h1>{title}</h1><p>{}</p>", i18n::t(lang, "method.text"));
        let mut r = html_response(
            StatusCode::METHOD_NOT_ALLOWED,
            lang,
            html::page(&shell, title, &body),
        );
        r.headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return r;
    }
    let snap = Snapshot::take(fleet.clone(), now);
    let Some(id) = agency else {
        let config = &snap.fleet.config;
        let card = match app.last_month.get(&app.store, config, snap.now).await {
            Ok(card) => Some(card),
            Err(e) => {
                tracing::error!(error = %e, "reading last month's scorecard for the status page");
                None
            }
        };
        let going = going_on::Going::read(&app.store, now, app.recorder.adhoc().current()).await;
        let page = index::render(
            &shell,
            &snap,
            card.as_ref().map(|(m, c)| (m.as_str(), &**c)),
            &going,
        );
        return html_response(StatusCode::OK, lang, impaired(app, &shell, page));
    };
    let Some(a) = snap.agency(id) else {
        return not_found(&shell, "notfound.agency");
    };
    let checks: Vec<_> = a.systems.iter().flat_map(|s| &s.checks).collect();
    let max_cap = checks
        .iter()
        .map(|c| crate::api::cap(&c.runtime))
        .max()
        .unwrap_or(0);
    let (days, from) = history::range(snap.now, snap.fleet.config.sla.timezone, max_cap);
    let ids: Vec<i64> = checks.iter().map(|c| c.runtime.db_id).collect();
    let intervals: Vec<(i64, i64)> = checks
        .iter()
        .map(|c| (c.runtime.db_id, crate::api::cap(&c.runtime) / 2))
        .collect();
    let read = async {
        let mut h = history::history(&app.store, &ids, &days, from, snap.now, max_cap).await?;
        h.hours = history::hours(&app.store, &intervals, snap.now).await?;
        Ok::<_, crate::store::StoreError>(h)
    };
    let history = match read.await {
        Ok(h) => Some(h),
        Err(e) => {
            tracing::error!(error = %e, agency = id, "reading results for the status page");
            None
        }
    };
    let going = going_on::Going::read(&app.store, now, app.recorder.adhoc().current()).await;
    let page = agency::render(&shell, &snap, a, &days, history.as_ref(), &going);
    html_response(StatusCode::OK, lang, impaired(app, &shell, page))
}

/// While the vantage is impaired the page says so first, so that nobody reads a red
/// page as the agencies' fault (docs/alerts.md, "VantageImpaired").
fn impaired(app: &AppState, shell: &html::Shell<'_>, page: String) -> String {
    let Some(since) = app.vantage.impaired_since() else {
        return page;
    };
    let tz = app.fleet.current().config.sla.timezone;
    let notice = format!(
        "<main>\n<p class=\"notice\">{}</p>\n",
        esc(&i18n::tf(
            shell.lang,
            "impaired",
            &[&app.vantage.id, &i18n::date_time(shell.lang, since, tz)]
        )),
    );
    page.replacen("<main>\n", &notice, 1)
}

fn not_found(shell: &html::Shell<'_>, why: &'static str) -> Response<Body> {
    let lang = shell.lang;
    let title = i18n::t(lang, "notfound.title");
    let body = format!(
        "<h1>{title}</h1><p>{}</p><p><a href=\"/?lang={}\">{}</a></p>",
        i18n::t(lang, why),
        lang.tag(),
        i18n::t(lang, "nav.all"),
    );
    html_response(StatusCode::NOT_FOUND, lang, html::page(shell, title, &body))
}

fn html_response(status: StatusCode, lang: i18n::Lang, body: String) -> Response<Body> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .header(header::CONTENT_LANGUAGE, lang.tag())
        .header(header::VARY, "accept-language")
        .header(header::CONTENT_SECURITY_POLICY, csp::policy(html::CSS))
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .body(Full::new(Bytes::from(body)))
        .expect("static response parts are valid")
}
