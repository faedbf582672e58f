#!/usr/bin/env python3
"""What `PRAGMA quick_check` costs at start (docs/BENCHMARKS.md, "Integrity check at start").

  bench/quick_check.py build DB [CHECKS] [DAYS]   a database as emcd writes it: the schema of
                                                  src/store/migrations, results of CHECKS checks
                                                  every 60 s for DAYS days (default 1000, 14:
                                                  20,160,000 rows, the default raw retention)
  bench/quick_check.py time DB [RUNS]             PRAGMA quick_check(20), as emcd runs it at
                                                  start, timed RUNS times (default 3); median
"""
import glob, os, sqlite3, sys, time

MIGRATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "store", "migrations")


def build(path, checks=1000, days=14):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db = sqlite3.connect(path)
    db.execute("PRAGMA auto_vacuum = INCREMENTAL")
    db.execute("PRAGMA journal_mode = WAL")
    files = sorted(glob.glob(os.path.join(MIGRATIONS, "*.sql")))
    for f in files:
        db.executescript(open(f).read())
    db.execute(f"PRAGMA user_version = {len(files)}")
    # Ending an hour ago, so that emcd's retention keeps every row when it runs on it.
    start = int(time.time()) - days * 86400 - 3600
    db.executemany("INSERT INTO checks (id, full_id, kind, first_seen, last_seen) VALUES (?,?,?,?,?)",
                   ((i + 1, f"a/s/c{i}", "http", start, start) for i in range(checks)))

    def rows():
        for minute in range(days * 1440):
            ts = start + minute * 60
            for c in range(checks):
                # code 1: up; 12: down with error kind 2 (connect), as store/codec.rs packs them
                yield (c + 1, ts, 1 if c % 97 else 12, 40 + (c * 7 + minute) % 200)

    db.executemany("INSERT INTO results (check_id, ts, code, duration_ms) VALUES (?,?,?,?)", rows())
    db.execute("INSERT INTO result_marks (minute, first_rowid) "
               "SELECT ts / 60, min(rowid) FROM results GROUP BY ts / 60")
    db.commit()
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    print(f"{path}: {checks * days * 1440:,} results, {os.path.getsize(path) >> 20} MiB")


def timed(path, runs=3):
    times = []
    for _ in range(runs):
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        t = time.monotonic()
        result = db.execute("PRAGMA quick_check(20)").fetchall()
        times.append(time.monotonic() - t)
        db.close()
    times.sort()
    print(f"{path}: {os.path.getsize(path) >> 20} MiB, quick_check {result[0][0]}, "
          f"seconds {[round(t, 2) for t in times]}, median {times[len(times) // 2]:.2f} "
          f"(SQLite {sqlite3.sqlite_version})")


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("build", "time"):
        sys.exit(__doc__)
    if sys.argv[1] == "build":
        build(sys.argv[2], *map(int, sys.argv[3:5]))
    else:
        timed(sys.argv[2], *map(int, sys.argv[3:4]))
