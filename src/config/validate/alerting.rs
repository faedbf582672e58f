//! Validates `alerting`: receivers (unique names, one kind each, a well-formed `proxy`, a
//! readable `ca_file`) and routes (naming existing receivers, with well-formed matchers).

use std::sync::Arc;
use std::time::Duration;

use super::super::model::*;
use super::super::raw::{self, Spanned, Text};
use super::super::scalar;
use super::{headers, idx, sub, tls, Ctx};

fn section<T>(s: &Option<Spanned<T>>) -> Option<&T> {
    s.as_ref().map(|s| &s.value)
}

pub fn alerting(ctx: &mut Ctx<'_>, s: Option<&raw::AlertingSection>) -> Alerting {
    let repeat_interval = ctx.or(
        s.and_then(|s| s.repeat_interval.as_ref()),
        "alerting.repeat_interval",
        Duration::from_secs(4 * 3600),
        |s| scalar::REPEAT_INTERVAL.parse(s),
    );
    let mut receivers: Vec<Receiver> = Vec::new();
    // Every well-formed name, even of a receiver with other errors: routes naming it
    // are then not reported as well.
    let mut names: Vec<String> = Vec::new();
    for (i, r) in s
        .and_then(|s| s.receivers.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = idx("alerting.receivers", i);
        let npath = sub(&path, "name");
        let name = ctx.parse(&r.value.name, &npath, scalar::id);
        let kind = receiver_kind(ctx, r, &path);
        let transport = transport(ctx, &r.value, &path, name.as_deref());
        let Some(name) = name else { continue };
        if names.contains(&name) {
            let message = format!("duplicate receiver name {name:?}");
            ctx.error(r.value.name.referenced, &npath, message);
            continue;
        }
        names.push(name.clone());
        if let Some(kind) = kind {
            receivers.push(Receiver {
                name,
                kind,
                transport,
            });
        }
    }
    let mut routes = Vec::new();
    for (i, r) in s
        .and_then(|s| s.routes.as_ref())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let path = idx("alerting.routes", i);
        let matcher = route_match(ctx, section(&r.value.matcher), &sub(&path, "match"));
        let Some(name) = ctx.text(&r.value.receiver, &sub(&path, "receiver")) else {
            continue;
        };
        if !names.contains(&name) {
            let expected = if names.is_empty() {
                "no receiver is defined".to_owned()
            } else {
                format!("expected one of {}", names.join(", "))
            };
            let at = r.value.receiver.referenced;
            ctx.error(
                at,
                &sub(&path, "receiver"),
                format!("unknown receiver {name:?}: {expected}"),
            );
            continue;
        }
        routes.push(Route {
            receiver: name,
            matcher,
        });
    }
    Alerting {
        repeat_interval,
        receivers,
        routes,
        runbook_urls: runbook_urls(ctx, s.and_then(|s| s.runbook_url.as_ref())),
    }
}

/// `alerting.runbook_url`: keys are alert names; each URL, placeholders filled with
/// sample ids, must be an absolute http(s) URL.
fn runbook_urls(ctx: &mut Ctx<'_>, map: Option<&Spanned<raw::Headers>>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in map.into_iter().flat_map(|m| &m.value.0) {
        let path = sub("alerting.runbook_url", &k.value);
        if !ALERT_NAMES.contains(&k.value.as_str()) {
            let message = format!(
                "unknown alertname {:?}: expected one of {}",
                k.value,
                ALERT_NAMES.join(", ")
            );
            ctx.error(k.referenced, &path, message);
            continue;
        }
        let url = ctx.parse(v, &path, |s| {
            let sample = s
                .replace("{agency}", "a")
                .replace("{system}", "s")
                .replace("{check}", "c")
                .replace("{vantage}", "v");
            // The message quotes the URL as written, placeholders and all.
            scalar::http_url(&sample)
                .map(|_| s.to_owned())
                .map_err(|m| m.replace(&format!("{sample:?}"), &format!("{s:?}")))
        });
        if let Some(url) = url {
            out.push((k.value.clone(), url));
        }
    }
    out
}

/// A list of ids (`match.agency`...), each well-formed.
pub fn ids(ctx: &mut Ctx<'_>, list: Option<&Vec<Text>>, path: &str) -> Vec<String> {
    list.into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(i, t)| ctx.parse(t, &idx(path, i), scalar::id))
        .collect()
}

fn route_match(ctx: &mut Ctx<'_>, m: Option<&raw::RouteMatch>, path: &str) -> Matcher {
    let Some(m) = m else {
        return Matcher::default();
    };
    let severity = |s: &str| match s {
        "critical" | "warning" => Ok(s.to_owned()),
        _ => Err(format!(
            "unknown severity {s:?}: expected critical or warning"
        )),
    };
    let alertname = |s: &str| match ALERT_NAMES.contains(&s) {
        true => Ok(s.to_owned()),
        false => Err(format!(
            "unknown alertname {s:?}: expected one of {}",
            ALERT_NAMES.join(", ")
        )),
    };
    Matcher {
        alertname: m
            .alertname
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, t)| ctx.parse(t, &idx(&sub(path, "alertname"), i), alertname))
            .collect(),
        vantage: ids(ctx, m.vantage.as_ref(), &sub(path, "vantage")),
        severity: m
            .severity
            .iter()
            .flatten()
            .enumerate()
            .filter_map(|(i, t)| ctx.parse(t, &idx(&sub(path, "severity"), i), severity))
            .collect(),
        agency: ids(ctx, m.agency.as_ref(), &sub(path, "agency")),
        system: ids(ctx, m.system.as_ref(), &sub(path, "system")),
        check: ids(ctx, m.check.as_ref(), &sub(path, "check")),
    }
}

/// The kind of a receiver: exactly one of `webhook`, `alertmanager`.
fn receiver_kind(
    ctx: &mut Ctx<'_>,
    r: &Spanned<raw::ReceiverSection>,
    path: &str,
) -> Option<ReceiverKind> {
    match (&r.value.webhook, &r.value.alertmanager) {
        (Some(w), None) => webhook(ctx, &w.value, &sub(path, "webhook")).map(ReceiverKind::Webhook),
        (None, Some(a)) => ctx
            .parse(
                &a.value.url,
                &sub(path, "alertmanager.url"),
                scalar::http_url,
            )
            .map(|url| ReceiverKind::Alertmanager { url }),
        (w, _) => {
            let found = if w.is_some() { "both" } else { "neither" };
            ctx.error(
                r.referenced,
                path,
                format!("a receiver needs exactly one of `webhook`, `alertmanager`, found {found}"),
            );
            None
        }
    }
}

/// A receiver's `proxy` and `ca_file` (the CA file read and parsed as a probe's
/// `tls.ca_file` is). Their messages name the receiver, when its name is well-formed.
fn transport(
    ctx: &mut Ctx<'_>,
    r: &raw::ReceiverSection,
    path: &str,
    name: Option<&str>,
) -> Transport {
    let first = ctx.errors.len();
    let proxy = ctx.or(
        r.proxy.as_ref(),
        &sub(path, "proxy"),
        Proxy::Environment,
        scalar::proxy,
    );
    let ca = r
        .ca_file
        .as_ref()
        .and_then(|t| tls::ca_file(ctx, t, &sub(path, "ca_file")))
        .map(Arc::new);
    if let Some(name) = name {
        for e in &mut ctx.errors[first..] {
            e.message = format!("receiver {name:?}: {}", e.message);
        }
    }
    Transport { proxy, ca }
}

fn webhook(ctx: &mut Ctx<'_>, w: &raw::WebhookSection, path: &str) -> Option<Webhook> {
    let url = ctx.parse(&w.url, &sub(path, "url"), scalar::http_url);
    let format = ctx.or(
        w.format.as_ref(),
        &sub(path, "format"),
        WebhookFormat::Emcd,
        |s| match s {
            "emcd" => Ok(WebhookFormat::Emcd),
            "alertmanager" => Ok(WebhookFormat::Alertmanager),
            _ => Err(format!(
                "unknown webhook format {s:?}: expected emcd or alertmanager"
            )),
        },
    );
    let secret = super::secret(ctx, w.secret.as_ref(), &sub(path, "secret"));
    let headers = headers(ctx, w.headers.as_ref(), &sub(path, "headers"));
    let timeout = ctx.or(
        w.timeout.as_ref(),
        &sub(path, "timeout"),
        Duration::from_secs(5),
        |s| scalar::WEBHOOK_TIMEOUT.parse(s),
    );
    Some(Webhook {
        url: url?,
        format,
        secret,
        headers,
        timeout,
    })
}
