-- emcd schema v1.

-- Every check ever configured, by full id; results refer to it by integer id so that a
-- raw row carries a 1-3 byte varint instead of the full id.
CREATE TABLE checks (
    id         INTEGER PRIMARY KEY,
    full_id    TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    first_seen INTEGER NOT NULL,  -- unix seconds
    last_seen  INTEGER NOT NULL   -- unix seconds the check was last present in the config
);

-- Raw results, append-only in commit order (which is time order: ts is when the result
-- was recorded). Deliberately no secondary index: a per-row index would double the
-- write volume. Time ranges are found through result_marks, then rows are filtered.
-- code packs result, error kind and status code: see store/codec.rs.
CREATE TABLE results (
    check_id    INTEGER NOT NULL,
    ts          INTEGER NOT NULL,  -- unix seconds
    code        INTEGER NOT NULL,
    duration_ms INTEGER NOT NULL,
    message     TEXT               -- only for failures
);

-- Sparse time index over results: the first rowid recorded in each minute that has data.
CREATE TABLE result_marks (
    minute      INTEGER PRIMARY KEY,  -- unix seconds / 60
    first_rowid INTEGER NOT NULL
);
