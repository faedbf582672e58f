//! Delivery (docs/alerts.md): one task per receiver works through that receiver's outbox, in
//! order per alert, retried on the schedule of `retry.rs` (backoff from 1 s to 5 min, a
//! receiver's `Retry-After` clamped to those bounds, dead after 24 h); a 4xx other than
//! 408/429 is dead at once.
//! Outcomes go back to the store writer. A slow or dead receiver only delays its own
//! queue: probing and other receivers never wait for it. Alertmanager receivers also
//! re-send their firing alerts every minute, as Prometheus does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::client::{Answer, Client, Clients};
pub use super::dispatch::Dispatcher;
use super::payload;
use super::retry;
use super::{Event, Status};
use crate::config::{ReceiverKind, WebhookFormat};
use crate::fleet::FleetHandle;
use crate::metrics::Metrics;
use crate::store::alerts::{DeliveryUpdate, Notification};
use crate::store::writer::WriterHandle;
use crate::util::unix_now;

/// What every sender task shares.
#[derive(Clone)]
pub struct Ctx {
    pub fleet: FleetHandle,
    /// The HTTP clients of deliveries, one per receiver transport (`proxy`, `ca_file`).
    pub clients: Arc<Clients>,
    pub writer: WriterHandle,
    pub metrics: Arc<Metrics>,
}

/// Starts (or, on reload, tops up) one sender per configured receiver, seeding each
/// with its pending notifications.
pub fn start(
    ctx: &Ctx,
    dispatcher: &Dispatcher,
    pending: Vec<Notification>,
    firing: Vec<(String, Event)>,
    tasks: &TaskTracker,
    shutdown: &CancellationToken,
) {
    let mut firing_by: HashMap<String, HashMap<String, Event>> = HashMap::new();
    for (receiver, e) in firing {
        firing_by
            .entry(receiver)
            .or_default()
            .insert(e.fingerprint.clone(), e);
    }
    let config = ctx.fleet.current().config.clone();
    let mut by_receiver: HashMap<String, Vec<Notification>> = HashMap::new();
    for n in pending {
        by_receiver.entry(n.receiver.clone()).or_default().push(n);
    }
    let mut queues = dispatcher.queues.lock().unwrap_or_else(|p| p.into_inner());
    for r in &config.alerting.receivers {
        if queues.contains_key(&r.name) {
            continue;
        }
        let (tx, rx) = mpsc::unbounded_channel();
        queues.insert(r.name.clone(), tx);
        // Every receiver's series exist from the start, so a first increase shows.
        for result in ["delivered", "retried", "dead"] {
            let _ = ctx
                .metrics
                .notifications_total
                .get_or_create(&[("receiver", r.name.clone()), ("result", result.to_owned())]);
        }
        let initial = by_receiver.remove(&r.name).unwrap_or_default();
        let firing = if is_alertmanager(ctx, &r.name) {
            firing_by.remove(&r.name).unwrap_or_default()
        } else {
            HashMap::new()
        };
        tasks.spawn(run(
            r.name.clone(),
            ctx.clone(),
            (initial, firing),
            rx,
            shutdown.clone(),
        ));
    }
    // A reload may have changed or removed receivers' transports: drop unused clients.
    ctx.clients
        .retain(config.alerting.receivers.iter().map(|r| &r.transport));
    for (receiver, left) in by_receiver {
        tracing::warn!(%receiver, pending = left.len(), "pending notifications for a receiver no longer configured");
    }
}

/// A queued notification and when it may next be tried (unix milliseconds).
struct Item {
    n: Notification,
    next_ms: i64,
}

fn now_ms() -> i64 {
    crate::util::unix_millis()
}

async fn run(
    name: String,
    ctx: Ctx,
    (initial, firing): (Vec<Notification>, HashMap<String, Event>),
    mut rx: mpsc::UnboundedReceiver<Notification>,
    shutdown: CancellationToken,
) {
    let mut queue: Vec<Item> = initial
        .into_iter()
        .map(|n| Item {
            next_ms: n.next_attempt_at * 1000,
            n,
        })
        .collect();
    // Alertmanager receivers: delivered as firing, not resolved; re-sent at the first tick.
    let mut firing = firing;
    let mut resend = tokio::time::interval(Duration::from_secs(payload::AM_RESEND as u64));
    let depth = ctx
        .metrics
        .notification_queue_depth
        .get_or_create(&[("receiver", name.clone())])
        .clone();
    loop {
        depth.set(queue.len() as i64);
        let now = now_ms();
        if let Some(i) = ready(&queue, now) {
            let item = queue.remove(i);
            if let Some(retry) = deliver(&name, &ctx, item, &mut firing).await {
                queue.push(retry);
                queue.sort_by_key(|it| it.n.id);
            }
            continue;
        }
        let wake = next_wake(&queue).map(|ms| Duration::from_millis((ms - now).max(0) as u64));
        tokio::select! {
            _ = shutdown.cancelled() => return,
            n = rx.recv() => match n {
                Some(n) => queue.push(Item { next_ms: n.next_attempt_at * 1000, n }),
                None => return,
            },
            _ = sleep_opt(wake) => {}
            _ = resend.tick(), if !firing.is_empty() => resend_firing(&name, &ctx, &firing).await,
        }
    }
}

async fn sleep_opt(d: Option<Duration>) {
    match d {
        Some(d) => tokio::time::sleep(d).await,
        None => std::future::pending().await,
    }
}

/// The first notification (by id) due now whose alert has no earlier one queued: in
/// order per alert, while other alerts may pass a retrying one.
fn ready(queue: &[Item], now: i64) -> Option<usize> {
    (0..queue.len()).find(|&i| {
        let it = &queue[i];
        it.next_ms <= now
            && !queue[..i]
                .iter()
                .any(|e| e.n.fingerprint == it.n.fingerprint)
    })
}

/// When the head of some alert's queue becomes due.
fn next_wake(queue: &[Item]) -> Option<i64> {
    (0..queue.len())
        .filter(|&i| {
            !queue[..i]
                .iter()
                .any(|e| e.n.fingerprint == queue[i].n.fingerprint)
        })
        .map(|i| queue[i].next_ms)
        .min()
}

/// Tries one notification; returns it for a retry, or `None` when it is done
/// (delivered or dead).
async fn deliver(
    name: &str,
    ctx: &Ctx,
    mut item: Item,
    firing: &mut HashMap<String, Event>,
) -> Option<Item> {
    let n = &item.n;
    let result = attempt(name, ctx, n).await;
    let now = unix_now();
    let attempts = n.attempts + 1;
    use crate::alert_vocab::Delivery::{Dead, Delivered, Pending};
    let (state, error, retry_at) = match result {
        Ok(Answer { status, .. }) if (200..300).contains(&status) => (Delivered, None, None),
        // 407 is the proxy's answer, not the receiver's: retried (a fixed password
        // delivers it after a reload).
        Ok(Answer { status, .. })
            if (400..500).contains(&status) && ![407, 408, 429].contains(&status) =>
        {
            (Dead, Some(format!("HTTP {status}: not retried")), None)
        }
        other => {
            let (error, retry_after) = match other {
                Ok(a) if a.status == 407 => (
                    "HTTP 407 from the proxy: proxy authentication required (check the user and password of the proxy URL)".to_owned(),
                    None,
                ),
                Ok(a) => (
                    format!("HTTP {}", a.status),
                    a.retry_after.and_then(|v| retry::parse(&v, now)),
                ),
                Err(e) => (e, None),
            };
            let backoff = retry::backoff(attempts, retry::jitter());
            let at = now_ms();
            match retry::next(backoff, retry_after, n.created_at * 1000, at) {
                retry::Next::GiveUp => (Dead, Some(format!("{error}; gave up after 24 h")), None),
                retry::Next::RetryIn(delay) => {
                    (Pending, Some(error), Some(at + delay.as_millis() as i64))
                }
            }
        }
    };
    let metric = match state {
        Delivered => "delivered",
        Dead => "dead",
        Pending => "retried",
    };
    ctx.metrics
        .notifications_total
        .get_or_create(&[("receiver", name.to_owned()), ("result", metric.to_owned())])
        .inc();
    match state {
        Delivered => {
            tracing::info!(receiver = name, delivery_id = %n.delivery_id, alert = n.event.name.as_str(), status = n.status.as_str(), "notification delivered")
        }
        Dead => {
            tracing::error!(receiver = name, delivery_id = %n.delivery_id, error = error.as_deref(), "notification dead")
        }
        Pending => {
            tracing::warn!(receiver = name, delivery_id = %n.delivery_id, attempts, error = error.as_deref(), "notification delivery failed; will retry")
        }
    }
    if state == Delivered && is_alertmanager(ctx, name) {
        match n.event.status {
            Status::Firing => firing.insert(n.fingerprint.clone(), n.event.clone()),
            Status::Resolved => firing.remove(&n.fingerprint),
        };
    }
    let update = DeliveryUpdate {
        id: n.id,
        state,
        attempts,
        next_attempt_at: retry_at.map_or(now, |ms| (ms + 999) / 1000),
        last_error: error,
        delivered_at: (state == Delivered).then_some(now),
    };
    let _ = ctx.writer.delivery(update).await;
    let retry_at = retry_at?;
    item.n.attempts = attempts;
    item.next_ms = retry_at;
    Some(item)
}

fn is_alertmanager(ctx: &Ctx, name: &str) -> bool {
    let fleet = ctx.fleet.current();
    fleet
        .config
        .alerting
        .receivers
        .iter()
        .any(|r| r.name == name && matches!(r.kind, ReceiverKind::Alertmanager { .. }))
}

/// Where links in notifications point.
/// One HTTP attempt of a notification, built for the receiver's current config.
async fn attempt(name: &str, ctx: &Ctx, n: &Notification) -> Result<Answer, String> {
    let fleet = ctx.fleet.current();
    let Some(receiver) = fleet
        .config
        .alerting
        .receivers
        .iter()
        .find(|r| r.name == name)
    else {
        return Err(format!("receiver {name:?} is no longer configured"));
    };
    let client = ctx.clients.get(&receiver.transport)?;
    let (external, generator) = payload::urls(&ctx.fleet.current().config, &n.event);
    let json = HeaderValue::from_static("application/json");
    let content_type = HeaderName::from_static("content-type");
    match &receiver.kind {
        ReceiverKind::Webhook(w) => {
            let now = unix_now();
            let body = match w.format {
                WebhookFormat::Emcd => payload::emcd(&n.event, &n.delivery_id, now),
                WebhookFormat::Alertmanager => {
                    payload::alertmanager_webhook(&n.event, name, &external, &generator)
                }
            };
            let body = Bytes::from(body.to_string());
            let mut headers: Vec<(HeaderName, HeaderValue)> = w.headers.clone();
            headers.push((content_type, json));
            headers.push((
                HeaderName::from_static("x-emcd-delivery"),
                HeaderValue::from_str(&n.delivery_id).map_err(|e| e.to_string())?,
            ));
            if let Some(secret) = &w.secret {
                headers.push((
                    HeaderName::from_static("x-emcd-timestamp"),
                    HeaderValue::from(now),
                ));
                let sig = payload::signature(&secret.0, now, &body);
                headers.push((
                    HeaderName::from_static("x-emcd-signature"),
                    HeaderValue::from_str(&sig).map_err(|e| e.to_string())?,
                ));
            }
            client.post(&w.url, &headers, body, w.timeout).await
        }
        ReceiverKind::Alertmanager { url } => {
            let body = payload::alertmanager_api(&[&n.event], &generator, unix_now());
            post_alertmanager(&client, url, body).await
        }
    }
}

async fn post_alertmanager(
    client: &Client,
    base: &url::Url,
    body: serde_json::Value,
) -> Result<Answer, String> {
    let url = base
        .join("api/v2/alerts")
        .map_err(|e| format!("bad Alertmanager URL {base}: {e}"))?;
    let headers = [(
        HeaderName::from_static("content-type"),
        HeaderValue::from_static("application/json"),
    )];
    client
        .post(
            &url,
            &headers,
            Bytes::from(body.to_string()),
            Duration::from_secs(10),
        )
        .await
}

/// The minutely re-send of firing alerts to an Alertmanager (best effort).
async fn resend_firing(name: &str, ctx: &Ctx, firing: &HashMap<String, Event>) {
    let fleet = ctx.fleet.current();
    let Some(receiver) = fleet
        .config
        .alerting
        .receivers
        .iter()
        .find(|r| r.name == name)
    else {
        return;
    };
    let ReceiverKind::Alertmanager { url } = &receiver.kind else {
        return;
    };
    let events: Vec<&Event> = firing.values().collect();
    let generator = events
        .first()
        .map(|e| payload::urls(&fleet.config, e).1)
        .unwrap_or_default();
    let body = payload::alertmanager_api(&events, &generator, unix_now());
    let sent = match ctx.clients.get(&receiver.transport) {
        Ok(client) => post_alertmanager(&client, url, body).await,
        Err(e) => Err(e),
    };
    if let Err(e) = sent {
        tracing::warn!(receiver = name, error = %e, "re-sending firing alerts to Alertmanager failed");
    }
}
