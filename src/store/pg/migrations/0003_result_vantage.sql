-- emcd PostgreSQL schema v3: the vantage a result was measured from, when a check is
-- probed from several (docs/cluster.md, "Vantages and quorum"). NULL for the check's
-- timeline: its verdicts, or the results themselves when one vantage probes it. A NULL
-- costs nothing in a row that already has a null bitmap (message is NULL for
-- successes); a vantage's own row carries its id (the id's length + 1 bytes). Adding a
-- nullable column without a default rewrites no partition.
ALTER TABLE results ADD COLUMN vantage text;
