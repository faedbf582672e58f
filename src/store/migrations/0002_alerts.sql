-- emcd schema v2: alert state and the notification outbox (docs/alerts.md).

-- One row per alert identity; the current state of that alert.
CREATE TABLE alerts (
    fingerprint      TEXT PRIMARY KEY,
    alertname        TEXT NOT NULL,
    severity         TEXT NOT NULL,
    agency           TEXT NOT NULL,
    system           TEXT NOT NULL,
    "check"          TEXT NOT NULL,
    state            TEXT NOT NULL,   -- firing | resolved
    starts_at        INTEGER NOT NULL,
    ends_at          INTEGER,
    last_notified_at INTEGER NOT NULL,
    summary          TEXT NOT NULL,
    description      TEXT NOT NULL
);

-- The outbox: one row per (transition, receiver), written in the same transaction as
-- the alert state change it notifies.
CREATE TABLE notifications (
    id              INTEGER PRIMARY KEY,
    delivery_id     TEXT NOT NULL UNIQUE,
    receiver        TEXT NOT NULL,
    fingerprint     TEXT NOT NULL,
    status          TEXT NOT NULL,   -- firing | resolved
    event           TEXT NOT NULL,   -- JSON of the alert at the transition
    state           TEXT NOT NULL,   -- pending | delivered | dead
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    delivered_at    INTEGER
);
CREATE INDEX notifications_by_state ON notifications (state, id);
