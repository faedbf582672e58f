//! Read queries for the API and the status page beyond the raw listing of one check:
//! the results of several checks over a time range, as the input of time-weighted
//! availability. Like [`Store::results`], a time range is first mapped to a rowid range
//! through `result_marks`; `results` has no index and never gets one.

use sqlx::Row;

use super::{pg, unpack, Engine, Store, StoreError, StoredResult};
use crate::result::ResultKind;

/// One result reduced to what availability needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sample {
    /// The check's id in the `checks` table.
    pub check_id: i64,
    /// Unix seconds the result was recorded.
    pub ts: i64,
    pub result: ResultKind,
}

impl Store {
    /// The rowid range `[lo, hi)` that holds every result with `from <= ts <= to`.
    async fn rowid_range(
        reader: &sqlx::SqlitePool,
        from: i64,
        to: i64,
    ) -> Result<(i64, i64), StoreError> {
        let first_at_or_after = |minute: i64| {
            sqlx::query_scalar::<_, i64>(
                "SELECT first_rowid FROM result_marks WHERE minute >= ? ORDER BY minute LIMIT 1",
            )
            .bind(minute)
            .fetch_optional(reader)
        };
        let lo = first_at_or_after(from.div_euclid(60))
            .await?
            .unwrap_or(i64::MAX);
        // Results of minute m are all recorded before the first mark of minute m+2.
        let hi = first_at_or_after(to.div_euclid(60).saturating_add(2))
            .await?
            .unwrap_or(i64::MAX);
        Ok((lo, hi))
    }

    /// Every result of the given checks with `from <= ts <= to`, in commit order (which
    /// is time order). One scan of the rowid range for all the checks together.
    pub async fn samples(
        &self,
        check_ids: &[i64],
        from: i64,
        to: i64,
    ) -> Result<Vec<Sample>, StoreError> {
        let reader = match &self.engine {
            Engine::Sqlite { reader, .. } => reader,
            Engine::Pg(pg) => return pg::samples(pg, check_ids, from, to).await,
        };
        if check_ids.is_empty() || from > to {
            return Ok(Vec::new());
        }
        let (lo, hi) = Store::rowid_range(reader, from, to).await?;
        if lo >= hi {
            return Ok(Vec::new());
        }
        let placeholders = vec!["?"; check_ids.len()].join(",");
        let sql = format!(
            "SELECT check_id, ts, code FROM results \
             WHERE rowid >= ? AND rowid < ? AND ts >= ? AND ts <= ? AND vantage IS NULL \
             AND check_id IN ({placeholders}) \
             ORDER BY rowid"
        );
        // Audited: the only dynamic part is the number of `?` placeholders.
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(lo)
            .bind(hi)
            .bind(from)
            .bind(to);
        for id in check_ids {
            query = query.bind(id);
        }
        let rows = query.fetch_all(reader).await?;
        rows.iter()
            .map(|r| {
                let code: i64 = r.get(2);
                let (result, _, _) = unpack(code).ok_or_else(|| {
                    StoreError::Query(sqlx::Error::Decode(
                        format!("result code {code} is not one emcd writes").into(),
                    ))
                })?;
                Ok(Sample {
                    check_id: r.get(0),
                    ts: r.get(1),
                    result,
                })
            })
            .collect()
    }

    /// Every result of every check with `from <= ts <= to`, in time order, whole: what
    /// a restart needs to put live state back (`recorder::restore`).
    pub async fn recent(&self, from: i64, to: i64) -> Result<Vec<(i64, StoredResult)>, StoreError> {
        let reader = match &self.engine {
            Engine::Sqlite { reader, .. } => reader,
            Engine::Pg(pg) => return pg::recent(pg, from, to).await,
        };
        let (lo, hi) = Store::rowid_range(reader, from, to).await?;
        if lo >= hi {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT rowid AS seq, ts, code, duration_ms, message, vantage, check_id FROM results \
             WHERE rowid >= ? AND rowid < ? AND ts >= ? AND ts <= ? ORDER BY rowid",
        )
        .bind(lo)
        .bind(hi)
        .bind(from)
        .bind(to)
        .fetch_all(reader)
        .await?;
        rows.iter()
            .map(|r| Ok((r.get("check_id"), super::decode_row(r)?)))
            .collect()
    }
}
