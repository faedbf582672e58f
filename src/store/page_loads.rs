//! The page loads of browser checks (table `page_loads`, docs/storage.md): one row per
//! load that gave figures, committed with the batch of its result (a writer
//! [`PageLoad`] in `Changes`), and read back per check over a period: the loads, and the
//! 75th percentile of each figure (what web-vitals programmes report). One SQL text per
//! statement for both engines.

use std::time::Duration;

use super::write_types::PageLoad;
use super::{on_pool, Store, StoreError};
use crate::result::PageFigures;

const INSERT: &str = "INSERT INTO page_loads (check_id, ts, fcp_ms, lcp_ms, speed_index_ms, \
     tbt_ms, load_ms, requests, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";

/// A row as stored: `(ts, fcp, lcp, speed_index, tbt, load, requests, bytes)`.
type Row = (i64, i64, i64, i64, i64, i64, i64, i64);

/// The p75 of each of the four figures over a period, and how many loads it is of.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PageP75 {
    pub loads: usize,
    /// In the order of `PageFigures::NAMES`.
    pub p75: [Duration; 4],
}

impl Store {
    /// The page loads of check `check_id` (its id in `checks`) in `[from, to)`, oldest
    /// first, with their unix seconds.
    pub async fn page_loads(
        &self,
        check_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Vec<(i64, PageFigures)>, StoreError> {
        let text = "SELECT ts, fcp_ms, lcp_ms, speed_index_ms, tbt_ms, load_ms, requests, bytes \
                    FROM page_loads WHERE check_id = ? AND ts >= ? AND ts < ? ORDER BY ts";
        let rows: Vec<Row> = on_pool!(self, text, |pool, sql| {
            sqlx::query_as(sql)
                .bind(check_id)
                .bind(from)
                .bind(to)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(|r| (r.0, figures(r))).collect())
    }

    /// The p75 of each figure of check `check_id` over `[from, to)`; `None` without loads.
    pub async fn page_p75(
        &self,
        check_id: i64,
        from: i64,
        to: i64,
    ) -> Result<Option<PageP75>, StoreError> {
        let loads = self.page_loads(check_id, from, to).await?;
        Ok(p75(loads.iter().map(|(_, f)| f)))
    }
}

fn figures(r: Row) -> PageFigures {
    let ms = |v: i64| Duration::from_millis(u64::try_from(v).unwrap_or(0));
    PageFigures {
        fcp: ms(r.1),
        lcp: ms(r.2),
        speed_index: ms(r.3),
        tbt: ms(r.4),
        load: ms(r.5),
        requests: u32::try_from(r.6).unwrap_or(0),
        bytes: u64::try_from(r.7).unwrap_or(0),
    }
}

/// The 75th percentile of each figure, nearest rank (the smallest value at or above 75%
/// of the loads).
pub fn p75<'a>(loads: impl Iterator<Item = &'a PageFigures>) -> Option<PageP75> {
    let mut columns: [Vec<Duration>; 4] = Default::default();
    for f in loads {
        for (c, d) in columns.iter_mut().zip(f.as_array()) {
            c.push(d);
        }
    }
    let n = columns[0].len();
    if n == 0 {
        return None;
    }
    let rank = (n * 3).div_ceil(4).max(1) - 1;
    let p75 = columns.map(|mut c| {
        c.sort_unstable();
        c[rank]
    });
    Some(PageP75 { loads: n, p75 })
}

fn values(p: &PageLoad) -> [i64; 9] {
    let ms = |d: Duration| i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
    let f = &p.figures;
    [
        p.check_id,
        p.ts,
        ms(f.fcp),
        ms(f.lcp),
        ms(f.speed_index),
        ms(f.tbt),
        ms(f.load),
        i64::from(f.requests),
        i64::try_from(f.bytes).unwrap_or(i64::MAX),
    ]
}

/// Stores `p` inside the writer's SQLite transaction.
pub(super) async fn write(
    tx: &mut sqlx::SqliteConnection,
    p: &PageLoad,
) -> Result<(), sqlx::Error> {
    let mut q = sqlx::query(INSERT);
    for v in values(p) {
        q = q.bind(v);
    }
    q.execute(&mut *tx).await.map(drop)
}

/// Stores `p` inside the writer's PostgreSQL transaction.
pub(super) async fn write_pg(tx: &mut sqlx::PgConnection, p: &PageLoad) -> Result<(), sqlx::Error> {
    let sql = super::dollars(INSERT);
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.as_str()));
    for v in values(p) {
        q = q.bind(v);
    }
    q.execute(&mut *tx).await.map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p75_is_the_nearest_rank() {
        let load = |ms: u64| PageFigures {
            fcp: Duration::from_millis(ms),
            lcp: Duration::from_millis(ms * 2),
            ..PageFigures::default()
        };
        let loads: Vec<_> = [400, 100, 300, 200].map(load).into();
        let p = p75(loads.iter()).unwrap();
        assert_eq!(p.loads, 4);
        assert_eq!(p.p75[0], Duration::from_millis(300));
        assert_eq!(p.p75[1], Duration::from_millis(600));
        let one = [load(7)];
        assert_eq!(p75(one.iter()).unwrap().p75[0], Duration::from_millis(7));
        assert_eq!(p75([].iter()), None);
    }
}
