-- emcd PostgreSQL schema v2: the cluster (docs/cluster.md). Times are unix seconds of
-- the database's clock, so nodes' clocks need not agree.

-- Every node that has run on this database; live while its heartbeat is younger than
-- cluster.lease. `instance` tells a node's process from an earlier one of the same id.
CREATE TABLE cluster_nodes (
    node          text   PRIMARY KEY,
    vantage       text   NOT NULL,
    instance      text   NOT NULL,
    config_digest text   NOT NULL,
    started_at    bigint NOT NULL,
    heartbeat_at  bigint NOT NULL
);

-- The leader's lease: one row. A node takes it when it is free or expired, and keeps it
-- by renewing it before it expires; each new holder raises the term.
CREATE TABLE cluster_lease (
    name       text   PRIMARY KEY,
    holder     text   NOT NULL,
    instance   text   NOT NULL,
    term       bigint NOT NULL,
    expires_at bigint NOT NULL
);
