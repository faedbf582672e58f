-- emcd schema v7: the indicators agencies push (docs/api.md, "Indicators"). One row per
-- system and push, in the order received (`id`); never changed or deleted: a month's
-- current values of a system are its row with the highest id for that month, and the
-- earlier rows are its history. `month` is `YYYY-MM` in sla.timezone; `pushed_at` unix
-- seconds; `satisfaction` 0 to 100. Keyed by the ids of the agency and system, so
-- removing them from the config keeps what they pushed.
CREATE TABLE indicator_pushes (
    id               INTEGER PRIMARY KEY,
    agency           TEXT    NOT NULL,
    system           TEXT    NOT NULL,
    month            TEXT    NOT NULL,
    pushed_at        INTEGER NOT NULL,
    received         INTEGER NOT NULL,
    resolved_on_time INTEGER NOT NULL,
    resolved_late    INTEGER NOT NULL,
    submitted_online INTEGER NOT NULL,
    paid_online      INTEGER NOT NULL,
    satisfaction     REAL    NOT NULL
);
CREATE INDEX indicator_pushes_by_system ON indicator_pushes (agency, system, month, id);
CREATE INDEX indicator_pushes_by_month ON indicator_pushes (month);
