//! Alert state and the notification outbox: the rows, how the writer commits an alert
//! transition together with its notifications, and the reads for start-up and the API.

use sqlx::sqlite::SqliteConnection;
use sqlx::Row;

use super::{Store, StoreError};
use crate::alert_vocab::{Delivery, Event, Status};

/// A new notification of one transition to one receiver.
#[derive(Clone, Debug)]
pub struct NewNotification {
    pub delivery_id: String,
    pub receiver: String,
}

/// An alert transition and its notifications, committed in one transaction.
#[derive(Clone, Debug)]
pub struct AlertWrite {
    pub event: Event,
    /// Unix seconds of this notification (first, repeat or resolve).
    pub notified_at: i64,
    pub notifications: Vec<NewNotification>,
}

/// A notification as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Notification {
    pub id: i64,
    pub delivery_id: String,
    pub receiver: String,
    pub fingerprint: String,
    pub status: Status,
    pub event: Event,
    pub state: Delivery,
    pub attempts: i64,
    pub created_at: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
}

/// A delivery attempt's outcome, applied by the writer.
#[derive(Clone, Debug)]
pub struct DeliveryUpdate {
    pub id: i64,
    pub state: Delivery,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
    pub delivered_at: Option<i64>,
}

/// An alert as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct AlertRow {
    pub fingerprint: String,
    pub alertname: String,
    pub severity: String,
    pub agency: String,
    pub system: String,
    pub check: String,
    /// The vantage of a `VantageImpaired`; empty otherwise.
    pub vantage: String,
    pub state: Status,
    pub starts_at: i64,
    pub ends_at: Option<i64>,
    pub last_notified_at: i64,
    pub summary: String,
    pub description: String,
}

/// Writes alert transitions and their outbox rows inside the writer's transaction;
/// returns the notifications created.
pub(super) async fn write_alerts(
    tx: &mut SqliteConnection,
    writes: &[AlertWrite],
) -> Result<Vec<Notification>, sqlx::Error> {
    let mut created = Vec::new();
    for w in writes {
        let e = &w.event;
        sqlx::query(
            "INSERT INTO alerts (fingerprint, alertname, severity, agency, system, \"check\", state, \
             starts_at, ends_at, last_notified_at, summary, description, vantage) \
             VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) \
             ON CONFLICT(fingerprint) DO UPDATE SET state = excluded.state, starts_at = excluded.starts_at, \
             ends_at = excluded.ends_at, last_notified_at = excluded.last_notified_at, \
             summary = excluded.summary, description = excluded.description",
        )
        .bind(&e.fingerprint)
        .bind(e.name.as_str())
        .bind(&e.severity)
        .bind(&e.agency.id)
        .bind(&e.system.id)
        .bind(&e.check)
        .bind(e.status.as_str())
        .bind(e.starts_at)
        .bind(e.ends_at)
        .bind(w.notified_at)
        .bind(&e.summary)
        .bind(&e.description)
        .bind(e.vantage.as_deref().unwrap_or_default())
        .execute(&mut *tx)
        .await?;
        let json = serde_json::to_string(e).expect("events serialize");
        for n in &w.notifications {
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO notifications (delivery_id, receiver, fingerprint, status, event, state, \
                 attempts, created_at, next_attempt_at) VALUES (?,?,?,?,?,'pending',0,?,?) RETURNING id",
            )
            .bind(&n.delivery_id)
            .bind(&n.receiver)
            .bind(&e.fingerprint)
            .bind(e.status.as_str())
            .bind(&json)
            .bind(w.notified_at)
            .bind(w.notified_at)
            .fetch_one(&mut *tx)
            .await?;
            created.push(Notification {
                id,
                delivery_id: n.delivery_id.clone(),
                receiver: n.receiver.clone(),
                fingerprint: e.fingerprint.clone(),
                status: e.status,
                event: e.clone(),
                state: Delivery::Pending,
                attempts: 0,
                created_at: w.notified_at,
                next_attempt_at: w.notified_at,
                last_error: None,
                delivered_at: None,
            });
        }
    }
    Ok(created)
}

/// Applies delivery outcomes inside the writer's current transaction.
pub(super) async fn apply_updates(
    tx: &mut SqliteConnection,
    updates: &[DeliveryUpdate],
) -> Result<(), sqlx::Error> {
    for u in updates {
        sqlx::query(
            "UPDATE notifications SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, \
             delivered_at = ? WHERE id = ?",
        )
        .bind(u.state.as_str())
        .bind(u.attempts)
        .bind(u.next_attempt_at)
        .bind(&u.last_error)
        .bind(u.delivered_at)
        .bind(u.id)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

fn notification(r: &sqlx::sqlite::SqliteRow) -> Result<Notification, StoreError> {
    let event: String = r.get("event");
    let event: Event = serde_json::from_str(&event).map_err(|e| {
        StoreError::Query(sqlx::Error::Decode(
            format!("notification event: {e}").into(),
        ))
    })?;
    Ok(Notification {
        id: r.get("id"),
        delivery_id: r.get("delivery_id"),
        receiver: r.get("receiver"),
        fingerprint: r.get("fingerprint"),
        status: parse_col(r, "status", Status::parse)?,
        event,
        state: parse_col(r, "state", Delivery::parse)?,
        attempts: r.get("attempts"),
        created_at: r.get("created_at"),
        next_attempt_at: r.get("next_attempt_at"),
        last_error: r.get("last_error"),
        delivered_at: r.get("delivered_at"),
    })
}

/// A column holding one of an enum's names.
fn parse_col<T>(
    r: &sqlx::sqlite::SqliteRow,
    column: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    let text: String = r.get(column);
    parse(&text).ok_or_else(|| {
        StoreError::Query(sqlx::Error::Decode(
            format!("{column} {text:?} is not one emcd writes").into(),
        ))
    })
}

fn alert(r: &sqlx::sqlite::SqliteRow) -> Result<AlertRow, StoreError> {
    Ok(AlertRow {
        fingerprint: r.get("fingerprint"),
        alertname: r.get("alertname"),
        severity: r.get("severity"),
        agency: r.get("agency"),
        system: r.get("system"),
        check: r.get("check"),
        vantage: r.get("vantage"),
        state: parse_col(r, "state", Status::parse)?,
        starts_at: r.get("starts_at"),
        ends_at: r.get("ends_at"),
        last_notified_at: r.get("last_notified_at"),
        summary: r.get("summary"),
        description: r.get("description"),
    })
}

impl Store {
    /// Alerts, newest first; only firing ones when `firing_only`.
    pub async fn alerts(&self, firing_only: bool) -> Result<Vec<AlertRow>, StoreError> {
        let sql = if firing_only {
            "SELECT * FROM alerts WHERE state = 'firing' ORDER BY starts_at DESC"
        } else {
            "SELECT * FROM alerts ORDER BY starts_at DESC"
        };
        let rows = sqlx::query(sql).fetch_all(&self.reader).await?;
        rows.iter().map(alert).collect()
    }

    /// Notifications in a state (pending, delivered, dead), newest first, or all.
    pub async fn notifications(
        &self,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        let rows = sqlx::query(
            "SELECT * FROM notifications WHERE (?1 IS NULL OR state = ?1) ORDER BY id DESC LIMIT ?2",
        )
        .bind(state)
        .bind(i64::from(limit))
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(notification).collect()
    }

    /// Every pending notification, oldest first: the senders' queues at start-up.
    pub async fn pending_notifications(&self) -> Result<Vec<Notification>, StoreError> {
        let rows = sqlx::query("SELECT * FROM notifications WHERE state = 'pending' ORDER BY id")
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(notification).collect()
    }

    /// By receiver, the alerts still firing whose last delivered notification to it was
    /// the firing one: what an Alertmanager receiver must keep re-sending after a
    /// restart, so Alertmanager does not let them expire.
    pub async fn delivered_firing(&self) -> Result<Vec<(String, Event)>, StoreError> {
        let rows = sqlx::query(
            "SELECT n.receiver, n.event FROM notifications n \
             JOIN alerts a ON a.fingerprint = n.fingerprint AND a.state = 'firing' \
             WHERE n.id = (SELECT max(m.id) FROM notifications m WHERE m.state = 'delivered' \
             AND m.receiver = n.receiver AND m.fingerprint = n.fingerprint) \
             AND n.status = 'firing'",
        )
        .fetch_all(&self.reader)
        .await?;
        rows.iter()
            .map(|r| {
                let event: String = r.get(1);
                let event = serde_json::from_str(&event).map_err(|e| {
                    StoreError::Query(sqlx::Error::Decode(format!("stored event: {e}").into()))
                })?;
                Ok((r.get(0), event))
            })
            .collect()
    }
}

impl Status {
    /// Parses `firing` / `resolved`.
    pub fn parse(s: &str) -> Option<Status> {
        match s {
            "firing" => Some(Status::Firing),
            "resolved" => Some(Status::Resolved),
            _ => None,
        }
    }
}
