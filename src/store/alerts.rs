//! Alert state and the notification outbox: the rows, how the writer commits an alert
//! transition together with its notifications, and the reads for start-up and the API.

use sqlx::sqlite::SqliteConnection;

use super::row::Get;
use super::{on_pool, Store, StoreError};
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

/// The alert and outbox writes of the writer's transaction, for each engine's
/// connection (the SQL is shared; `$sql` turns `?` into the engine's placeholders).
macro_rules! alert_writes {
    ($conn:ty, $sql:path, $write_alerts:ident, $apply_updates:ident) => {
        /// Writes alert transitions and their outbox rows inside the writer's transaction;
        /// returns the notifications created.
        pub(super) async fn $write_alerts(
            tx: &mut $conn,
            writes: &[AlertWrite],
        ) -> Result<Vec<Notification>, sqlx::Error> {
            let mut created = Vec::new();
            for w in writes {
                let e = &w.event;
                sqlx::query(sqlx::AssertSqlSafe($sql(
                    "INSERT INTO alerts (fingerprint, alertname, severity, agency, system, \"check\", state, \
                     starts_at, ends_at, last_notified_at, summary, description, vantage) \
                     VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) \
                     ON CONFLICT(fingerprint) DO UPDATE SET state = excluded.state, starts_at = excluded.starts_at, \
                     ends_at = excluded.ends_at, last_notified_at = excluded.last_notified_at, \
                     summary = excluded.summary, description = excluded.description",
                )))
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
                    let id: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe($sql(
                        "INSERT INTO notifications (delivery_id, receiver, fingerprint, status, event, state, \
                         attempts, created_at, next_attempt_at) VALUES (?,?,?,?,?,'pending',0,?,?) RETURNING id",
                    )))
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
        pub(super) async fn $apply_updates(
            tx: &mut $conn,
            updates: &[DeliveryUpdate],
        ) -> Result<(), sqlx::Error> {
            for u in updates {
                sqlx::query(sqlx::AssertSqlSafe($sql(
                    "UPDATE notifications SET state = ?, attempts = ?, next_attempt_at = ?, last_error = ?, \
                     delivered_at = ? WHERE id = ?",
                )))
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
    };
}

alert_writes!(SqliteConnection, String::from, write_alerts, apply_updates);
alert_writes!(
    sqlx::postgres::PgConnection,
    super::dollars,
    write_alerts_pg,
    apply_updates_pg
);

pub(super) fn notification(r: &impl Get) -> Result<Notification, StoreError> {
    let event: Event = serde_json::from_str(&r.text("event")).map_err(|e| {
        StoreError::Query(sqlx::Error::Decode(
            format!("notification event: {e}").into(),
        ))
    })?;
    Ok(Notification {
        id: r.i64("id"),
        delivery_id: r.text("delivery_id"),
        receiver: r.text("receiver"),
        fingerprint: r.text("fingerprint"),
        status: parse_col(r, "status", Status::parse)?,
        event,
        state: parse_col(r, "state", Delivery::parse)?,
        attempts: r.i64("attempts"),
        created_at: r.i64("created_at"),
        next_attempt_at: r.i64("next_attempt_at"),
        last_error: r.opt_text("last_error"),
        delivered_at: r.opt_i64("delivered_at"),
    })
}

/// A column holding one of an enum's names.
fn parse_col<T>(r: &impl Get, column: &str, parse: fn(&str) -> Option<T>) -> Result<T, StoreError> {
    let text = r.text(column);
    parse(&text).ok_or_else(|| {
        StoreError::Query(sqlx::Error::Decode(
            format!("{column} {text:?} is not one emcd writes").into(),
        ))
    })
}

pub(super) fn alert(r: &impl Get) -> Result<AlertRow, StoreError> {
    Ok(AlertRow {
        fingerprint: r.text("fingerprint"),
        alertname: r.text("alertname"),
        severity: r.text("severity"),
        agency: r.text("agency"),
        system: r.text("system"),
        check: r.text("check"),
        vantage: r.text("vantage"),
        state: parse_col(r, "state", Status::parse)?,
        starts_at: r.i64("starts_at"),
        ends_at: r.opt_i64("ends_at"),
        last_notified_at: r.i64("last_notified_at"),
        summary: r.text("summary"),
        description: r.text("description"),
    })
}

/// The stored event of an outbox row.
pub(super) fn event(text: &str) -> Result<Event, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Query(sqlx::Error::Decode(format!("stored event: {e}").into())))
}

impl Store {
    /// Alerts, newest first; only firing ones when `firing_only`.
    pub async fn alerts(&self, firing_only: bool) -> Result<Vec<AlertRow>, StoreError> {
        let sql = if firing_only {
            "SELECT * FROM alerts WHERE state = 'firing' ORDER BY starts_at DESC"
        } else {
            "SELECT * FROM alerts ORDER BY starts_at DESC"
        };
        on_pool!(self, sql, |pool, sql| {
            let rows = sqlx::query(sql).fetch_all(pool).await?;
            rows.iter().map(alert).collect()
        })
    }

    /// Notifications in a state (pending, delivered, dead), newest first, or all.
    pub async fn notifications(
        &self,
        state: Option<&str>,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        let text = "SELECT * FROM notifications WHERE (CAST(?1 AS text) IS NULL OR state = ?1) \
                    ORDER BY id DESC LIMIT ?2";
        on_pool!(self, text, |pool, sql| {
            let rows = sqlx::query(sql)
                .bind(state)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?;
            rows.iter().map(notification).collect()
        })
    }

    /// Every pending notification, oldest first: the senders' queues at start-up.
    pub async fn pending_notifications(&self) -> Result<Vec<Notification>, StoreError> {
        let text = "SELECT * FROM notifications WHERE state = 'pending' ORDER BY id";
        on_pool!(self, text, |pool, sql| {
            let rows = sqlx::query(sql).fetch_all(pool).await?;
            rows.iter().map(notification).collect()
        })
    }

    /// By receiver, the alerts still firing whose last delivered notification to it was
    /// the firing one: what an Alertmanager receiver must keep re-sending after a
    /// restart, so Alertmanager does not let them expire.
    pub async fn delivered_firing(&self) -> Result<Vec<(String, Event)>, StoreError> {
        let text = "SELECT n.receiver, n.event FROM notifications n \
             JOIN alerts a ON a.fingerprint = n.fingerprint AND a.state = 'firing' \
             WHERE n.id = (SELECT max(m.id) FROM notifications m WHERE m.state = 'delivered' \
             AND m.receiver = n.receiver AND m.fingerprint = n.fingerprint) \
             AND n.status = 'firing'";
        let rows: Vec<(String, String)> = on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        rows.into_iter()
            .map(|(receiver, text)| Ok((receiver, event(&text)?)))
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
