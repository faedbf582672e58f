//! `GET /api/v1/reports/sla`, `/compliance` and `/scorecard` (docs/api.md): the
//! reports of `report`, as JSON or CSV, over the period of `report::cli::period`.

use http::{header, Method, Request, Response, StatusCode};
use hyper::body::Incoming;

use super::state::AppState;
use crate::reply::{error, param, Body};
use crate::report::cli::period;
use crate::report::format::{self, Format};

pub async fn handle(app: &AppState, req: Request<Incoming>) -> Response<Body> {
    if req.method() != Method::GET {
        return crate::reply::method_not_allowed("GET", "use GET");
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
        match crate::report::lifecycle::known(&app.store, &config, a).await {
            Ok(true) => {}
            Ok(false) => {
                return error(
                    StatusCode::NOT_FOUND,
                    "unknown_agency",
                    &format!("no agency {a:?} in the config or the stored history"),
                )
            }
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
        }
    }
    let body = match req.uri().path() {
        "/api/v1/reports/sla" => {
            match crate::report::sla(&app.store, &config, period, agency).await {
                Ok(r) if fmt == Format::Csv => format::sla_csv(&r),
                Ok(r) => serde_json::to_string(&r).expect("reports serialize"),
                Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
            }
        }
        "/api/v1/reports/scorecard" => {
            match crate::report::scorecard::scorecard(&app.store, &config, period, agency, now)
                .await
            {
                Ok(r) if fmt == Format::Csv => format::scorecard_csv(&r),
                Ok(r) => serde_json::to_string(&r).expect("reports serialize"),
                Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
            }
        }
        _ => match crate::report::compliance::compliance(
            &app.store,
            &config,
            period,
            agency,
            now,
            crate::report::cli::mode(
                param(&req, "month").as_deref(),
                param(&req, "from").as_deref(),
                param(&req, "to").as_deref(),
            ),
        )
        .await
        {
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
