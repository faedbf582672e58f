-- emcd schema v9 (v8 is the agencies'): ad-hoc maintenance windows declared over the
-- API (docs/api.md, "Maintenance"), applied like the config's windows. agency, system
-- and check are the window's match: comma-separated ids (ids never hold a comma),
-- empty for any. Times are unix seconds; ended_at and ended_by are set when a window
-- is ended early (DELETE), so the log of who declared and ended what is kept.
CREATE TABLE maintenance (
    id         TEXT    NOT NULL PRIMARY KEY,
    agency     TEXT    NOT NULL,
    system     TEXT    NOT NULL,
    check_id   TEXT    NOT NULL,
    starts_at  INTEGER NOT NULL,
    ends_at    INTEGER NOT NULL,
    reason     TEXT    NOT NULL,
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    ended_by   TEXT,
    ended_at   INTEGER
) WITHOUT ROWID;
