-- emcd PostgreSQL schema v8 (v7 is the agencies'): ad-hoc maintenance windows declared
-- over the API (docs/api.md, "Maintenance"), applied like the config's windows. agency,
-- system and check are the window's match: comma-separated ids, empty for any. Times
-- are unix seconds; ended_at and ended_by are set when a window is ended early.
CREATE TABLE maintenance (
    id         text   NOT NULL PRIMARY KEY,
    agency     text   NOT NULL,
    system     text   NOT NULL,
    check_id   text   NOT NULL,
    starts_at  bigint NOT NULL,
    ends_at    bigint NOT NULL,
    reason     text   NOT NULL,
    created_by text   NOT NULL,
    created_at bigint NOT NULL,
    ended_by   text,
    ended_at   bigint
);
