-- emcd PostgreSQL schema v6: the indicators agencies push (docs/api.md, "Indicators").
-- One row per system and push, in the order received (`id`); never changed or deleted:
-- a month's current values of a system are its row with the highest id for that month,
-- and the earlier rows are its history. `month` is `YYYY-MM` in sla.timezone;
-- `pushed_at` unix seconds; `satisfaction` 0 to 100. Keyed by the ids of the agency and
-- system, so removing them from the config keeps what they pushed.
CREATE TABLE indicator_pushes (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency           text   NOT NULL,
    system           text   NOT NULL,
    month            text   NOT NULL,
    pushed_at        bigint NOT NULL,
    received         bigint NOT NULL,
    resolved_on_time bigint NOT NULL,
    resolved_late    bigint NOT NULL,
    submitted_online bigint NOT NULL,
    paid_online      bigint NOT NULL,
    satisfaction     double precision NOT NULL
);
CREATE INDEX indicator_pushes_by_system ON indicator_pushes (agency, system, month, id);
CREATE INDEX indicator_pushes_by_month ON indicator_pushes (month);
