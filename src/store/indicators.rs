//! The indicators agencies push (docs/api.md, "Indicators"): one row per system and
//! push, appended by the writer ([`Job::Indicators`](super::writer::Job), committed
//! before the push is answered) and never changed or deleted. A month's current values
//! of a system are its latest push for that month; the earlier ones stay, with the time
//! each was received. One SQL text per statement for both engines.

use super::{on_pool, Store, StoreError};

/// The monthly counters of one procedure system, as its agency pushes them (validated
/// by the API before they get here).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Counters {
    /// Dossiers received in the month.
    pub received: i64,
    /// Dossiers resolved within their legal deadline.
    pub resolved_on_time: i64,
    /// Dossiers resolved after it.
    pub resolved_late: i64,
    /// Dossiers submitted online.
    pub submitted_online: i64,
    /// Dossiers whose fees were paid online.
    pub paid_online: i64,
    /// Satisfaction score, 0 to 100.
    pub satisfaction: f64,
}

/// One system's counters of one month, as received at `pushed_at`.
#[derive(Clone, Debug, PartialEq)]
pub struct IndicatorPush {
    pub agency: String,
    pub system: String,
    /// `YYYY-MM`, a calendar month of `sla.timezone`.
    pub month: String,
    /// Unix seconds the push was received.
    pub pushed_at: i64,
    pub counters: Counters,
}

const COLUMNS: &str = "agency, system, month, pushed_at, received, resolved_on_time, \
     resolved_late, submitted_online, paid_online, satisfaction";

/// The insert of one row; `id` (the order of receipt) is the database's.
const INSERT: &str = "INSERT INTO indicator_pushes (agency, system, month, pushed_at, received, \
     resolved_on_time, resolved_late, submitted_online, paid_online, satisfaction) \
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

type Row = (String, String, String, i64, i64, i64, i64, i64, i64, f64);

fn decode(rows: Vec<Row>) -> Vec<IndicatorPush> {
    rows.into_iter()
        .map(|r| IndicatorPush {
            agency: r.0,
            system: r.1,
            month: r.2,
            pushed_at: r.3,
            counters: Counters {
                received: r.4,
                resolved_on_time: r.5,
                resolved_late: r.6,
                submitted_online: r.7,
                paid_online: r.8,
                satisfaction: r.9,
            },
        })
        .collect()
}

impl Store {
    /// Every push of `agency` with a month from `first` to `last` (`YYYY-MM`, both
    /// included), by month and system, each system's pushes in the order received: the
    /// last of each is the current one.
    pub async fn indicator_pushes(
        &self,
        agency: &str,
        first: &str,
        last: &str,
    ) -> Result<Vec<IndicatorPush>, StoreError> {
        let text = format!(
            "SELECT {COLUMNS} FROM indicator_pushes WHERE agency = ? AND month >= ? AND month <= ? \
             ORDER BY month, system, id"
        );
        let rows: Vec<Row> = on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql)
                .bind(agency)
                .bind(first)
                .bind(last)
                .fetch_all(pool)
                .await?
        });
        Ok(decode(rows))
    }

    /// The current push (the latest received) of every agency, system and month from
    /// `first` to `last` (`YYYY-MM`, both included).
    pub async fn indicators_current(
        &self,
        first: &str,
        last: &str,
    ) -> Result<Vec<IndicatorPush>, StoreError> {
        let text = format!(
            "SELECT {COLUMNS} FROM indicator_pushes WHERE id IN (SELECT max(id) \
             FROM indicator_pushes WHERE month >= ? AND month <= ? GROUP BY agency, system, month) \
             ORDER BY agency, system, month"
        );
        let rows: Vec<Row> = on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql)
                .bind(first)
                .bind(last)
                .fetch_all(pool)
                .await?
        });
        Ok(decode(rows))
    }

    /// Each system's current push of the latest month it pushed (what `/metrics` shows).
    pub async fn indicators_latest(&self) -> Result<Vec<IndicatorPush>, StoreError> {
        let text = format!(
            "SELECT {COLUMNS} FROM indicator_pushes WHERE id IN (SELECT max(p.id) \
             FROM indicator_pushes p WHERE p.month = (SELECT max(q.month) FROM indicator_pushes q \
               WHERE q.agency = p.agency AND q.system = p.system) GROUP BY p.agency, p.system) \
             ORDER BY agency, system"
        );
        let rows: Vec<Row> = on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql).fetch_all(pool).await?
        });
        Ok(decode(rows))
    }

    /// How many pushes of `month` are stored: grows with every push (nothing is ever
    /// deleted), so a figure computed from them is stale when it changed.
    pub async fn indicator_count(&self, month: &str) -> Result<i64, StoreError> {
        let text = "SELECT count(*) FROM indicator_pushes WHERE month = ?";
        Ok(on_pool!(self, text, |pool, sql| {
            sqlx::query_scalar(sql).bind(month).fetch_one(pool).await?
        }))
    }
}

/// Binds one push's ten values to a query of either engine, in the order of [`INSERT`].
macro_rules! bind_push {
    ($query:expr, $push:expr) => {{
        let (r, c) = ($push, &$push.counters);
        $query
            .bind(&r.agency)
            .bind(&r.system)
            .bind(&r.month)
            .bind(r.pushed_at)
            .bind(c.received)
            .bind(c.resolved_on_time)
            .bind(c.resolved_late)
            .bind(c.submitted_online)
            .bind(c.paid_online)
            .bind(c.satisfaction)
    }};
}

/// Appends `rows` inside the writer's SQLite transaction.
pub(super) async fn write(
    tx: &mut sqlx::SqliteConnection,
    rows: &[IndicatorPush],
) -> Result<(), sqlx::Error> {
    for r in rows {
        bind_push!(sqlx::query(INSERT), r).execute(&mut *tx).await?;
    }
    Ok(())
}

/// Appends `rows` inside the writer's PostgreSQL transaction.
pub(super) async fn write_pg(
    tx: &mut sqlx::PgConnection,
    rows: &[IndicatorPush],
) -> Result<(), sqlx::Error> {
    let sql = super::dollars(INSERT);
    for r in rows {
        let query = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
        bind_push!(query, r).execute(&mut *tx).await?;
    }
    Ok(())
}
