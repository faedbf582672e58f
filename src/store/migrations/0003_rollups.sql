-- emcd schema v3: rollups, incidents, housekeeping cursors (docs/results.md, docs/storage.md).

-- The check's interval, for time-weighted rollups (a result stands at most 2 x interval).
ALTER TABLE checks ADD COLUMN interval_s INTEGER NOT NULL DEFAULT 60;

-- Per check and hour (unix seconds of the hour's start): counts and seconds by result
-- (up, degraded, down, unknown, maintenance), latency of up/degraded results, and a
-- sparse log-scale latency histogram (sla/histogram.rs).
CREATE TABLE rollup_hourly (
    check_id      INTEGER NOT NULL,
    hour          INTEGER NOT NULL,
    n_up          INTEGER NOT NULL,
    n_degraded    INTEGER NOT NULL,
    n_down        INTEGER NOT NULL,
    n_unknown     INTEGER NOT NULL,
    n_maintenance INTEGER NOT NULL,
    s_up          REAL NOT NULL,
    s_degraded    REAL NOT NULL,
    s_down        REAL NOT NULL,
    s_unknown     REAL NOT NULL,
    s_maintenance REAL NOT NULL,
    lat_min       INTEGER,
    lat_max       INTEGER,
    lat_sum       INTEGER NOT NULL,
    lat_count     INTEGER NOT NULL,
    hist          BLOB NOT NULL,
    PRIMARY KEY (check_id, hour)
) WITHOUT ROWID;

-- Per check and calendar day in sla.timezone (day_start: unix seconds of local midnight).
CREATE TABLE rollup_daily (
    check_id      INTEGER NOT NULL,
    day_start     INTEGER NOT NULL,
    n_up          INTEGER NOT NULL,
    n_degraded    INTEGER NOT NULL,
    n_down        INTEGER NOT NULL,
    n_unknown     INTEGER NOT NULL,
    n_maintenance INTEGER NOT NULL,
    s_up          REAL NOT NULL,
    s_degraded    REAL NOT NULL,
    s_down        REAL NOT NULL,
    s_unknown     REAL NOT NULL,
    s_maintenance REAL NOT NULL,
    lat_min       INTEGER,
    lat_max       INTEGER,
    lat_sum       INTEGER NOT NULL,
    lat_count     INTEGER NOT NULL,
    hist          BLOB NOT NULL,
    PRIMARY KEY (check_id, day_start)
) WITHOUT ROWID;

-- DOWN periods of checks (after thresholds); ended_at NULL while open.
CREATE TABLE incidents (
    id         INTEGER PRIMARY KEY,
    check_id   INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at   INTEGER
);
CREATE INDEX incidents_by_check ON incidents (check_id, started_at);

-- Progress and last success of each housekeeping job.
CREATE TABLE housekeeping (
    job          TEXT PRIMARY KEY,
    cursor       INTEGER NOT NULL,
    last_success INTEGER
);
