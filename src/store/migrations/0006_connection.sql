-- emcd schema v6: the history of the connection mandate (docs/results.md, "Compliance
-- over a period"). One row each time a system's standing changes: connected (1) or
-- not connected (0) from `at` (unix seconds) until its next row. Keyed by the ids of
-- the agency and system, not by a config row, so removing a system from the config
-- never removes its history. Kept forever (a few rows per system and month).
CREATE TABLE connection_changes (
    agency    TEXT    NOT NULL,
    system    TEXT    NOT NULL,
    at        INTEGER NOT NULL,
    connected INTEGER NOT NULL,
    PRIMARY KEY (agency, system, at)
) WITHOUT ROWID;
