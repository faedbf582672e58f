//! Validates one check: its policy (inherited from `defaults`), exactly one probe kind
//! (`http`, `tcp`, `push`, `browser`) and, for http, its expectations (browser checks:
//! `browser.rs`).

use std::sync::Arc;

use super::super::model::*;
use super::super::raw::{self, Spanned};
use super::super::scalar;
use super::{browser, headers, idx, policy, sub, tls, Ctx};

/// A check of system `system` of agency `agency` (both already valid ids, or `None`).
pub fn check(
    ctx: &mut Ctx<'_>,
    c: &Spanned<raw::CheckSection>,
    path: &str,
    defaults: &Policy,
    owner: Option<(&str, &str)>,
) -> Option<Check> {
    let raw = &c.value;
    let id = ctx
        .required(raw.id.as_ref(), c.referenced, path, "id")
        .and_then(|t| ctx.parse(t, &sub(path, "id"), scalar::id));
    let mut policy = policy::layer(ctx, raw.policy(), path, defaults);
    if raw.browser.is_some() {
        policy = browser::policy(ctx, raw.policy(), path, policy);
    }

    let mut kinds = Vec::new();
    if raw.http.is_some() {
        kinds.push("http");
    }
    if raw.tcp.is_some() {
        kinds.push("tcp");
    }
    if raw.push.is_some() {
        kinds.push("push");
    }
    if raw.browser.is_some() {
        kinds.push("browser");
    }
    if kinds.len() != 1 {
        let found = if kinds.is_empty() {
            "none".to_owned()
        } else {
            kinds.join(" and ")
        };
        let message =
            format!("a check needs exactly one of `http`, `tcp`, `push`, `browser`, found {found}");
        ctx.error(c.referenced, path, message);
        return None;
    }
    if let (Some(e), None, None) = (&raw.expect, &raw.http, &raw.browser) {
        ctx.error(
            e.referenced,
            &sub(path, "expect"),
            "`expect` applies to http and browser checks only",
        );
    }
    if let (Some(e), Some(_)) = (&raw.expect, &raw.http) {
        for (key, at) in browser::browser_keys(&e.value) {
            let message = format!("`expect.{key}` applies to browser checks only");
            ctx.error(at, &sub(&sub(path, "expect"), key), message);
        }
    }
    let kind = if let Some(b) = &raw.browser {
        let expect = raw.expect.as_ref().map(|e| &e.value);
        browser::check(ctx, b, expect, path).map(CheckKind::Browser)
    } else if let Some(h) = &raw.http {
        http(ctx, h, raw.expect.as_ref().map(|e| &e.value), path).map(CheckKind::Http)
    } else if let Some(t) = &raw.tcp {
        tcp(ctx, t, &sub(path, "tcp")).map(CheckKind::Tcp)
    } else {
        let p = raw.push.as_ref()?;
        let (p, at) = (&p.value, p.referenced);
        let ppath = sub(path, "push");
        let token_digest = ctx
            .required(p.token.as_ref(), at, &ppath, "token")
            .and_then(|t| ctx.parse(t, &sub(&ppath, "token"), scalar::token_digest));
        let max_silence = ctx.or(
            p.max_silence.as_ref(),
            &sub(&ppath, "max_silence"),
            policy.interval.saturating_mul(2),
            |s| scalar::MAX_SILENCE.parse(s),
        );
        token_digest.map(|token_digest| {
            CheckKind::Push(PushSpec {
                token_digest,
                max_silence,
            })
        })
    };
    let id = id?;
    let (agency, system) = owner?;
    Some(Check {
        full_id: CheckId::new(agency, system, &id),
        id,
        policy,
        kind: kind?,
    })
}

/// `probing.canaries`: ids unique, exactly one of `http` and `tcp` each.
pub fn canaries(ctx: &mut Ctx<'_>, list: Option<&[Spanned<raw::CanarySection>]>) -> Vec<Canary> {
    let mut out: Vec<Canary> = Vec::new();
    for (i, c) in list.unwrap_or_default().iter().enumerate() {
        let path = idx("probing.canaries", i);
        let id = ctx.parse(&c.value.id, &sub(&path, "id"), scalar::id);
        let kind = match (&c.value.http, &c.value.tcp) {
            (Some(h), None) => http(ctx, h, None, &path).map(CheckKind::Http),
            (None, Some(t)) => tcp(ctx, t, &sub(&path, "tcp")).map(CheckKind::Tcp),
            _ => {
                ctx.error(
                    c.referenced,
                    &path,
                    "a canary needs exactly one of `http`, `tcp`",
                );
                None
            }
        };
        if let Some(id) = &id {
            if out.iter().any(|o| &o.id == id) {
                let message = format!("duplicate canary id {id:?}");
                ctx.error(c.value.id.referenced, &sub(&path, "id"), message);
            }
        }
        if let (Some(id), Some(kind)) = (id, kind) {
            out.push(Canary { id, kind });
        }
    }
    out
}

fn http(
    ctx: &mut Ctx<'_>,
    h: &Spanned<raw::HttpSection>,
    expect: Option<&raw::ExpectSection>,
    check_path: &str,
) -> Option<HttpSpec> {
    let (h, at) = (&h.value, h.referenced);
    let path = sub(check_path, "http");
    let url = ctx
        .required(h.url.as_ref(), at, &path, "url")
        .and_then(|t| ctx.parse(t, &sub(&path, "url"), scalar::http_url));
    let method = ctx.or(
        h.method.as_ref(),
        &sub(&path, "method"),
        http::Method::GET,
        scalar::method,
    );
    let headers = headers(ctx, h.headers.as_ref(), &sub(&path, "headers"));
    let body = h
        .body
        .as_ref()
        .and_then(|b| ctx.text(b, &sub(&path, "body")));
    let follow_redirects = ctx.or(
        h.follow_redirects.as_ref(),
        &sub(&path, "follow_redirects"),
        true,
        scalar::boolean,
    );
    let insecure_skip_verify = ctx.or(
        h.tls
            .as_ref()
            .and_then(|t| t.value.insecure_skip_verify.as_ref()),
        &sub(&path, "tls.insecure_skip_verify"),
        false,
        scalar::boolean,
    );
    let keys = h.tls.as_ref().map(|t| t.value.files()).unwrap_or_default();
    let tls = tls::probe(ctx, keys, &sub(&path, "tls"));
    let expect = self::expect(ctx, expect, &sub(check_path, "expect"), follow_redirects);
    Some(HttpSpec {
        url: url?,
        method,
        headers,
        body,
        follow_redirects,
        insecure_skip_verify,
        tls,
        expect: expect?,
    })
}

fn expect(
    ctx: &mut Ctx<'_>,
    e: Option<&raw::ExpectSection>,
    path: &str,
    follow_redirects: bool,
) -> Option<Arc<Expect>> {
    let default = Expect::shared_default(follow_redirects);
    let Some(e) = e else {
        return Some(default);
    };
    let default_status = default.status[0].clone();
    let errors_before = ctx.errors.len();
    let spath = sub(path, "status");
    let status = match &e.status {
        None => vec![default_status],
        Some(list) if list.value.is_empty() => {
            let message = "expected at least one status code or range, e.g. [200-299]";
            ctx.error(list.referenced, &spath, message);
            Vec::new()
        }
        Some(list) => list
            .value
            .iter()
            .enumerate()
            .filter_map(|(i, t)| ctx.parse(t, &idx(&spath, i), scalar::status))
            .collect(),
    };
    let mut header_regexes = Vec::new();
    for (k, v) in e.headers.iter().flat_map(|h| &h.value.0) {
        let key_path = sub(&sub(path, "headers"), &k.value);
        let name = ctx.parse(k, &key_path, scalar::header_name);
        let re = ctx.parse(v, &key_path, scalar::regex);
        header_regexes.extend(name.zip(re));
    }
    let mut json = Vec::new();
    for (i, j) in e.json.iter().flatten().enumerate() {
        let jpath = sub(&idx(&sub(path, "json"), i), "path");
        let Some(text) = ctx.text(&j.value.path, &jpath) else {
            continue;
        };
        let epath = sub(&idx(&sub(path, "json"), i), "equals");
        let equals = substitute(ctx, &j.value.equals, j.referenced, &epath);
        match scalar::json_path(&text) {
            Ok(steps) => json.push(JsonExpect {
                path_text: text,
                path: steps,
                equals,
            }),
            Err(m) => ctx.error(j.value.path.referenced, &jpath, m),
        }
    }
    let expect = Expect {
        status,
        body_contains: e
            .body_contains
            .as_ref()
            .and_then(|t| ctx.text(t, &sub(path, "body_contains"))),
        body_not_contains: e
            .body_not_contains
            .as_ref()
            .and_then(|t| ctx.text(t, &sub(path, "body_not_contains"))),
        body_regex: e
            .body_regex
            .as_ref()
            .and_then(|t| ctx.parse(t, &sub(path, "body_regex"), scalar::regex)),
        headers: header_regexes,
        json,
        max_response_time: e.max_response_time.as_ref().and_then(|t| {
            ctx.parse(t, &sub(path, "max_response_time"), |s| {
                scalar::MAX_RESPONSE_TIME.parse(s)
            })
        }),
    };
    // A section that says what the default says shares the default.
    let expect = if expect == *default {
        default
    } else {
        Arc::new(expect)
    };
    (ctx.errors.len() == errors_before).then_some(expect)
}

fn tcp(ctx: &mut Ctx<'_>, t: &Spanned<raw::TcpSection>, path: &str) -> Option<TcpSpec> {
    let (t, at) = (&t.value, t.referenced);
    let host = ctx.required(t.host.as_ref(), at, path, "host");
    let port = ctx.required(t.port.as_ref(), at, path, "port");
    let host = host?;
    let host = ctx.parse(host, &sub(path, "host"), |s| {
        if s.is_empty() || s.contains(['/', ' ']) || s.contains("://") {
            Err(format!(
                "invalid host {s:?}: expected a host name or IP address, without scheme or port"
            ))
        } else {
            Ok(s.to_owned())
        }
    });
    let port = ctx.parse(port?, &sub(path, "port"), |s| {
        scalar::integer(s, 1, 65535).map(|n| n as u16)
    });
    let tls = ctx.or(t.tls.as_ref(), &sub(path, "tls"), false, scalar::boolean);
    let insecure_path = sub(path, "insecure_skip_verify");
    let insecure_skip_verify = ctx.or(
        t.insecure_skip_verify.as_ref(),
        &insecure_path,
        false,
        scalar::boolean,
    );
    if let (Some(at), true, false) = (&t.insecure_skip_verify, insecure_skip_verify, tls) {
        ctx.error(
            at.referenced,
            &insecure_path,
            "insecure_skip_verify needs `tls: true`",
        );
    }
    if let (Some((key, at)), false) = (t.files().first(), tls) {
        let message = format!("{key} needs `tls: true`");
        ctx.error(at.referenced, &sub(path, key), message);
    }
    let tls_options = match tls {
        true => tls::probe(ctx, t.files(), path),
        false => ProbeTls::default(),
    };
    Some(TcpSpec {
        host: host?,
        port: port?,
        tls,
        insecure_skip_verify,
        tls_options,
    })
}

/// `value` with `${VAR}` substituted in every string inside it; a failed substitution
/// is reported at `at` and leaves that string as written.
fn substitute(
    ctx: &mut Ctx<'_>,
    value: &serde_json::Value,
    at: serde_saphyr::Location,
    path: &str,
) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => match super::super::env::expand(s, ctx.env) {
            Ok(e) => Value::String(e.value),
            Err(errors) => {
                for e in errors {
                    ctx.error(at, path, e.to_string());
                }
                value.clone()
            }
        },
        Value::Array(items) => {
            Value::Array(items.iter().map(|v| substitute(ctx, v, at, path)).collect())
        }
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), substitute(ctx, v, at, path)))
                .collect(),
        ),
        other => other.clone(),
    }
}
