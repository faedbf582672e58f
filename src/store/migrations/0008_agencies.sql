-- emcd schema v8 (v7 is the pushed indicators'): every agency the config ever had,
-- written at each start and reload (docs/storage.md, "Agencies"), so that removing an
-- agency's file never loses its name: reports over past periods show it by the name
-- stored here. Dates are unix seconds (local midnights in sla.timezone); left_at is
-- when the daemon stopped running the agency (its file removed, or past valid_to),
-- NULL while it runs.
CREATE TABLE agencies (
    id         TEXT    NOT NULL PRIMARY KEY,
    code       TEXT    NOT NULL,
    name       TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    league     TEXT    NOT NULL,
    valid_from INTEGER,
    valid_to   INTEGER,
    successor  TEXT,
    first_seen INTEGER NOT NULL,
    last_seen  INTEGER NOT NULL,
    left_at    INTEGER
) WITHOUT ROWID;
