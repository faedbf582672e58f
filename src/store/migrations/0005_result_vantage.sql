-- emcd schema v5: the vantage a result was measured from, when a check is probed from
-- several (docs/cluster.md, "Vantages and quorum"). NULL for the check's timeline: its
-- verdicts, or the results themselves when one vantage probes it (always, for a single
-- node). A NULL costs one header byte.
ALTER TABLE results ADD COLUMN vantage TEXT;
