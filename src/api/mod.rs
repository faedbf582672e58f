//! The JSON API (docs/api.md) under `/api/v1/`: status, agencies, checks and their results,
//! and the OpenAPI document. Read-only: handlers read the fleet and the store, never
//! change them. (Push and reload have their own modules; the server routes them.)
//!
//! Map: `snapshot` is one consistent read of the fleet (shared with the status page);
//! `views` renders status and agencies; `check` a check and its results;
//! `openapi` and `schemas` are the OpenAPI document. The arithmetic of availability and
//! time is `sla`'s (`sla::seconds`, `sla::time`).

pub mod admin;
mod alerts;
mod check;
pub mod indicators;
pub mod maintenance;
mod openapi;
mod page;
pub mod push;
mod reports;
mod schema_kit;
mod schemas;
pub mod snapshot;
mod state;

mod views;

use http::{Method, Request, Response, StatusCode};
use hyper::body::Incoming;

use crate::reply::{error, json, Body};
use crate::sla::time::{bound, Bound};
use crate::util::unix_now;
use snapshot::Snapshot;

pub use check::{cap, POLICY, WINDOWS};
pub use state::AppState;

/// Largest `limit` of a results query.
pub const MAX_LIMIT: u32 = 10_000;
/// `limit` when none is given.
pub const DEFAULT_LIMIT: u32 = 100;

/// Every route under `/api/v1/` and `/-/reload`.
pub async fn handle(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path();
    if path.starts_with("/api/v1/push/") {
        return push::handle(app, req).await;
    }
    if path.starts_with("/api/v1/indicators/") {
        return indicators::handle(app, req).await;
    }
    if path == "/-/reload" {
        return admin::reload(app, req).await;
    }
    if path == "/api/v1/maintenance" || path.starts_with("/api/v1/maintenance/") {
        return maintenance::handle(app, req).await;
    }
    if matches!(
        path,
        "/api/v1/reports/sla" | "/api/v1/reports/compliance" | "/api/v1/reports/scorecard"
    ) {
        return reports::handle(app, req).await;
    }
    if path == "/api/v1/alerts" || path == "/api/v1/notifications" {
        return alerts::handle(app, req).await;
    }
    let Some(rest) = path.strip_prefix("/api/v1/") else {
        return not_found(path);
    };
    let segments: Vec<&str> = rest.split('/').collect();
    let known = matches!(
        segments[..],
        ["status"]
            | ["agencies"]
            | ["openapi.json"]
            | ["agencies", _]
            | ["checks", _, _, _]
            | ["checks", _, _, _, "results"]
    ) && segments.iter().all(|s| !s.is_empty());
    if !known {
        return not_found(path);
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return method_not_allowed(path, req.method());
    }
    let fleet = app.fleet.current();
    match segments[..] {
        ["status"] => match app.store.alerts(true).await {
            Ok(firing) => json(
                StatusCode::OK,
                &views::status(
                    &Snapshot::take(fleet, unix_now()),
                    firing.len(),
                    &app.vantage,
                ),
            ),
            Err(e) => store_error(&e),
        },
        ["agencies"] => json(
            StatusCode::OK,
            &views::agencies(&Snapshot::take(fleet, unix_now())),
        ),
        ["openapi.json"] => json(StatusCode::OK, &openapi::document(&fleet)),
        ["agencies", id] => match Snapshot::take(fleet, unix_now()).agency(id) {
            Some(a) => json(StatusCode::OK, &views::agency(a)),
            None => error(
                StatusCode::NOT_FOUND,
                "unknown_agency",
                &format!("no agency {id:?}"),
            ),
        },
        ["checks", a, s, c, ..] => {
            let full_id = format!("{a}/{s}/{c}");
            let Some(check) = fleet.get_str(&full_id).cloned() else {
                return unknown_check(&fleet, a, s, &full_id);
            };
            let read = if segments.len() == 4 {
                check::detail(&app.store, &fleet.config, &check, unix_now()).await
            } else {
                let q = match ResultsQuery::parse(req.uri().query(), fleet.config.sla.timezone) {
                    Ok(q) => q,
                    Err((param, message)) => {
                        return error(
                            StatusCode::BAD_REQUEST,
                            "bad_parameter",
                            &format!("{param}: {message}"),
                        )
                    }
                };
                // A vantage's own results, when several vantages probe the check; with
                // one, its results are the timeline (docs/cluster.md).
                let vantages = app
                    .role
                    .vantages_of(&check.config.policy.vantages, &fleet.config.vantages);
                let vantage = match q.vantage.as_deref() {
                    Some(v) if !vantages.iter().any(|x| x == v) => {
                        let message = format!(
                            "vantage: {v:?} does not probe {full_id}; its vantages are {vantages:?}"
                        );
                        return error(StatusCode::NOT_FOUND, "unknown_vantage", &message);
                    }
                    v => v.filter(|_| vantages.len() > 1),
                };
                check::results(&app.store, &check, vantage, (q.from, q.to), q.limit).await
            };
            match read {
                Ok(body) => json(StatusCode::OK, &body),
                Err(e) => store_error(&e),
            }
        }
        _ => not_found(path),
    }
}

/// The 404 that names what is missing: the agency, the system or the check.
fn unknown_check(
    fleet: &crate::fleet::Fleet,
    agency: &str,
    system: &str,
    full_id: &str,
) -> Response<Body> {
    let config = &fleet.config;
    let (code, message) = match config.agencies.iter().find(|x| x.id == agency) {
        None => ("unknown_agency", format!("no agency {agency:?}")),
        Some(a) if !a.systems.iter().any(|x| x.id == system) => (
            "unknown_system",
            format!("agency {agency:?} has no system {system:?}"),
        ),
        Some(_) => ("unknown_check", format!("no check {full_id:?}")),
    };
    error(StatusCode::NOT_FOUND, code, &message)
}

fn store_error(e: &crate::store::StoreError) -> Response<Body> {
    tracing::error!(error = %e, "reading the database for the API");
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "store_error",
        "reading the database failed",
    )
}

fn not_found(path: &str) -> Response<Body> {
    error(
        StatusCode::NOT_FOUND,
        "not_found",
        &format!("no route for {path}"),
    )
}

fn method_not_allowed(path: &str, method: &Method) -> Response<Body> {
    crate::reply::method_not_allowed(
        "GET, HEAD",
        &format!("{path} accepts GET and HEAD, not {method}"),
    )
}

/// The query of a results request, validated.
#[derive(Debug, PartialEq)]
struct ResultsQuery {
    from: Option<i64>,
    to: Option<i64>,
    limit: u32,
    /// Results measured from this vantage instead of the check's timeline.
    vantage: Option<String>,
}

impl ResultsQuery {
    /// Parses `from`, `to`, `limit` and `vantage`; an error names the parameter and the accepted
    /// forms. Other parameters are ignored.
    fn parse(
        query: Option<&str>,
        tz: chrono_tz::Tz,
    ) -> Result<ResultsQuery, (&'static str, String)> {
        let mut q = ResultsQuery {
            from: None,
            to: None,
            limit: DEFAULT_LIMIT,
            vantage: None,
        };
        let pairs = url::form_urlencoded::parse(query.unwrap_or("").as_bytes());
        for (key, value) in pairs {
            match &*key {
                "from" | "to" => {
                    let (name, which) = if key == "from" {
                        ("from", Bound::From)
                    } else {
                        ("to", Bound::To)
                    };
                    let t = bound(tz, &value, which).map_err(|e| (name, e))?;
                    if which == Bound::From {
                        q.from = Some(t)
                    } else {
                        q.to = Some(t)
                    }
                }
                "limit" => {
                    q.limit = value
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=MAX_LIMIT).contains(n))
                        .ok_or_else(|| {
                            (
                                "limit",
                                format!("{value:?} is not an integer from 1 to {MAX_LIMIT}"),
                            )
                        })?;
                }
                "vantage" => q.vantage = Some(value.into_owned()),
                _ => {}
            }
        }
        Ok(q)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TZ: chrono_tz::Tz = chrono_tz::Asia::Ho_Chi_Minh;

    #[test]
    fn results_query() {
        assert_eq!(
            ResultsQuery::parse(None, TZ),
            Ok(ResultsQuery {
                from: None,
                to: None,
                limit: 100,
                vantage: None,
            })
        );
        let q = ResultsQuery::parse(
            Some("from=2026-11-01&to=2026-11-01&limit=5&x=y&vantage=hn"),
            TZ,
        )
        .unwrap();
        assert_eq!(q.vantage.as_deref(), Some("hn"));
        assert_eq!(q.from, Some(1_793_466_000));
        assert_eq!(q.to, Some(1_793_466_000 + 86_399));
        assert_eq!(q.limit, 5);
        let q = ResultsQuery::parse(Some("from=2026-11-01T00%3A00%3A00%2B07%3A00"), TZ).unwrap();
        assert_eq!(q.from, Some(1_793_466_000));
        for (query, param) in [
            ("limit=0", "limit"),
            ("limit=10001", "limit"),
            ("limit=-1", "limit"),
            ("limit=ten", "limit"),
            ("limit=", "limit"),
            ("from=yesterday", "from"),
            ("to=2026-02-30", "to"),
            ("from=", "from"),
        ] {
            let err = ResultsQuery::parse(Some(query), TZ).unwrap_err();
            assert_eq!(err.0, param, "{query}");
        }
        let err = ResultsQuery::parse(Some("to=x"), TZ).unwrap_err();
        assert!(
            err.1.contains("RFC 3339") && err.1.contains("2026-11-01"),
            "{}",
            err.1
        );
    }
}
