-- emcd PostgreSQL schema v4: a node's heartbeat says since when its canaries find its
-- vantage impaired (NULL while they pass), so the leader alerts VantageImpaired for
-- every vantage, not only its own (docs/alerts.md, docs/cluster.md).
ALTER TABLE cluster_nodes ADD COLUMN impaired_since bigint;
