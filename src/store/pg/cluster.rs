//! The cluster's SQL (docs/cluster.md): node heartbeats, the leader's lease, the live
//! nodes. Every time is the database's (`now()`), so the nodes' clocks need not agree.

use super::Pg;
use crate::store::cluster::{Beat, LiveNode};
use crate::store::StoreError;

/// `now()` in unix seconds.
const NOW: &str = "extract(epoch from clock_timestamp())::bigint";

/// Records this process's heartbeat as `node`. `false` when another process holds the
/// node id and its heartbeat is younger than `lease_s` (two nodes with one id).
pub async fn heartbeat(pg: &Pg, beat: &Beat<'_>, lease_s: i64) -> Result<bool, StoreError> {
    let sql = format!(
        "INSERT INTO cluster_nodes \
         (node, vantage, instance, config_digest, started_at, heartbeat_at, impaired_since) \
         VALUES ($1, $2, $3, $4, {NOW}, {NOW}, $6) \
         ON CONFLICT (node) DO UPDATE SET vantage = excluded.vantage, instance = excluded.instance, \
         config_digest = excluded.config_digest, heartbeat_at = excluded.heartbeat_at, \
         impaired_since = excluded.impaired_since, \
         started_at = CASE WHEN cluster_nodes.instance = excluded.instance \
                      THEN cluster_nodes.started_at ELSE excluded.started_at END \
         WHERE cluster_nodes.instance = excluded.instance \
            OR cluster_nodes.heartbeat_at < {NOW} - $5 \
         RETURNING node"
    );
    // Audited: the only dynamic part is the constant NOW.
    let row: Option<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(beat.node)
        .bind(beat.vantage)
        .bind(beat.instance)
        .bind(&beat.digest)
        .bind(lease_s)
        .bind(beat.impaired_since)
        .fetch_optional(&pg.pool)
        .await?;
    Ok(row.is_some())
}

/// Takes or renews the leader's lease for `lease_s`; `Some(term)` while this process
/// holds it.
pub async fn try_lead(
    pg: &Pg,
    node: &str,
    instance: &str,
    lease_s: i64,
) -> Result<Option<i64>, StoreError> {
    let sql = format!(
        "INSERT INTO cluster_lease (name, holder, instance, term, expires_at) \
         VALUES ('leader', $1, $2, 1, {NOW} + $3) \
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, instance = excluded.instance, \
         expires_at = excluded.expires_at, \
         term = CASE WHEN cluster_lease.instance = excluded.instance \
                THEN cluster_lease.term ELSE cluster_lease.term + 1 END \
         WHERE cluster_lease.instance = excluded.instance OR cluster_lease.expires_at < {NOW} \
         RETURNING term"
    );
    // Audited: the only dynamic part is the constant NOW.
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(node)
        .bind(instance)
        .bind(lease_s)
        .fetch_optional(&pg.pool)
        .await?)
}

/// The live nodes of every vantage, by vantage and node.
pub async fn live_nodes(pg: &Pg, lease_s: i64) -> Result<Vec<LiveNode>, StoreError> {
    let sql = format!(
        "SELECT vantage, node, config_digest AS digest, impaired_since FROM cluster_nodes \
         WHERE heartbeat_at >= {NOW} - $1 ORDER BY vantage, node"
    );
    // Audited: the only dynamic part is the constant NOW.
    let rows: Vec<(String, String, String, Option<i64>)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(lease_s)
        .fetch_all(&pg.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(vantage, node, digest, impaired_since)| LiveNode {
            vantage,
            node,
            digest,
            impaired_since,
        })
        .collect())
}

/// The lease's holder, while it has not expired.
pub async fn leader(pg: &Pg) -> Result<Option<String>, StoreError> {
    let sql = format!("SELECT holder FROM cluster_lease WHERE expires_at >= {NOW}");
    // Audited: the only dynamic part is the constant NOW.
    Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_optional(&pg.pool)
        .await?)
}

/// A clean stop: the node is no longer live and its lease, if it held it, is free, so
/// the others need not wait for it to expire.
pub async fn leave(pg: &Pg, node: &str, instance: &str) -> Result<(), StoreError> {
    sqlx::query("UPDATE cluster_nodes SET heartbeat_at = 0 WHERE node = $1 AND instance = $2")
        .bind(node)
        .bind(instance)
        .execute(&pg.pool)
        .await?;
    sqlx::query("UPDATE cluster_lease SET expires_at = 0 WHERE instance = $1")
        .bind(instance)
        .execute(&pg.pool)
        .await?;
    Ok(())
}
