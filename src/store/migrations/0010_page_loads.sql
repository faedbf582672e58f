-- emcd schema v10: the figures of each page load of a browser check (SPEC 14,
-- docs/storage.md): milliseconds from the start of navigation, the number of requests and
-- the bytes transferred, at `ts` (unix seconds, the result's). One row per load that gave
-- figures; reports read their percentiles per month, so rows are kept as long as the
-- daily rollups (`storage.retention.daily`).
CREATE TABLE page_loads (
    check_id       INTEGER NOT NULL,
    ts             INTEGER NOT NULL,
    fcp_ms         INTEGER NOT NULL,
    lcp_ms         INTEGER NOT NULL,
    speed_index_ms INTEGER NOT NULL,
    tbt_ms         INTEGER NOT NULL,
    load_ms        INTEGER NOT NULL,
    requests       INTEGER NOT NULL,
    bytes          INTEGER NOT NULL
);
CREATE INDEX page_loads_by_check ON page_loads (check_id, ts);
