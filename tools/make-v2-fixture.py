#!/usr/bin/env python3
"""Writes tests/fixtures/db/emcd-v2.db: a database as emcd schema v2 (before rollups)
left it, for the migration test. Applies the v1 and v2 migrations as released, then
records two days of results for two checks and one firing alert.

Results: check 1 (tinh-a/mot-cua/api) every 60 s from 2026-10-01T00:00:00Z for 48 h,
down for the 30 minutes starting at 12:00 on the first day; check 2 (tinh-a/mot-cua/web)
up throughout. Codes are emcd's packed codes (store/codec.rs)."""
import os, sqlite3, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "tests/fixtures/db/emcd-v2.db")
if os.path.exists(out):
    os.remove(out)
db = sqlite3.connect(out)
for name in ("0001_init.sql", "0002_alerts.sql"):
    db.executescript(open(os.path.join(root, "src/store/migrations", name)).read())
db.execute("PRAGMA user_version = 2")
start = 1790812800  # 2026-10-01T00:00:00Z
db.execute("INSERT INTO checks VALUES (1, 'tinh-a/mot-cua/api', 'http', ?, ?)", (start, start))
db.execute("INSERT INTO checks VALUES (2, 'tinh-a/mot-cua/web', 'http', ?, ?)", (start, start))
UP = (101 * 12 + 0) * 5 + 0          # up, status 200
DOWN = (404 * 12 + 6) * 5 + 2        # down, error status, status 503
rowid = 0
last_minute = None
for k in range(48 * 60):
    ts = start + k * 60
    for check in (1, 2):
        down = check == 1 and 12 * 60 <= k < 12 * 60 + 30
        db.execute("INSERT INTO results (check_id, ts, code, duration_ms, message) VALUES (?,?,?,?,?)",
                   (check, ts, DOWN if down else UP, 120, "status 503 not in 200-399" if down else None))
        rowid += 1
        if ts // 60 != last_minute:
            db.execute("INSERT INTO result_marks VALUES (?, ?)", (ts // 60, rowid))
            last_minute = ts // 60
db.execute("""INSERT INTO alerts VALUES ('0123456789abcdef', 'CheckDown', 'critical', 'tinh-a', 'mot-cua', 'api',
              'resolved', ?, ?, ?, 'tinh-a/mot-cua/api is down', 'old incident')""",
           (start + 12 * 3600 + 120, start + 12 * 3600 + 1800, start + 12 * 3600 + 1800))
db.commit()
db.execute("VACUUM")
db.close()
print(out, os.path.getsize(out), "bytes", file=sys.stderr)
