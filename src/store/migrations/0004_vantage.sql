-- emcd schema v4: alerts about a vantage rather than a check (VantageImpaired,
-- docs/alerts.md) carry the vantage's id; '' for every other alert.
ALTER TABLE alerts ADD COLUMN vantage TEXT NOT NULL DEFAULT '';

-- The earliest certificate expiry a check last reported (unix seconds), kept so that a
-- restart does not forget it until the check's next TLS probe.
ALTER TABLE checks ADD COLUMN cert_expiry INTEGER;
