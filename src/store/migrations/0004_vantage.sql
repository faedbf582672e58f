-- emcd schema v4: alerts about a vantage rather than a check (VantageImpaired,
-- docs/alerts.md) carry the vantage's id; '' for every other alert.
ALTER TABLE alerts ADD COLUMN vantage TEXT NOT NULL DEFAULT '';
