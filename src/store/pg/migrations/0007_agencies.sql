-- emcd PostgreSQL schema v7 (v6 is the pushed indicators'): every agency the config
-- ever had, written at each start and reload (docs/storage.md, "Agencies"), so that
-- removing an agency's file never loses its name. Dates are unix seconds (local
-- midnights in sla.timezone); left_at is when the daemon stopped running the agency
-- (its file removed, or past valid_to), NULL while it runs.
CREATE TABLE agencies (
    id         text   NOT NULL PRIMARY KEY,
    code       text   NOT NULL,
    name       text   NOT NULL,
    kind       text   NOT NULL,
    league     text   NOT NULL,
    valid_from bigint,
    valid_to   bigint,
    successor  text,
    first_seen bigint NOT NULL,
    last_seen  bigint NOT NULL,
    left_at    bigint
);
