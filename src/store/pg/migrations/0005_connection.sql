-- emcd PostgreSQL schema v5: the history of the connection mandate (docs/results.md,
-- "Compliance over a period"). One row each time a system's standing changes:
-- connected or not from `at` (unix seconds) until its next row. Keyed by the ids of the
-- agency and system, so removing a system from the config never removes its history.
-- Kept forever (a few rows per system and month).
CREATE TABLE connection_changes (
    agency    text    NOT NULL,
    system    text    NOT NULL,
    at        bigint  NOT NULL,
    connected boolean NOT NULL,
    PRIMARY KEY (agency, system, at)
);
