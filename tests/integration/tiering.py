#!/usr/bin/env python3
"""Kill furld with SIGKILL while the mover moves segments to the object store.

Loads 40 daily segments, sets cold_after so that every segment must move to
the object store (the local directory store under the data directory), and
kills furld at random moments of the moves, a few rounds in a row. After
each restart the query results must equal those before the first kill. Once
the mover has finished, every segment must exist exactly once: as an object
under cold/, with no local file left, and no orphan object. Then the
segments move back to local disk and the results must still be the same,
including after a restart with an empty block cache.

    python3 tests/integration/tiering.py [--furld build/bin/furld]
"""

import datetime
import json
import os
import random
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import Checks, FurlServer  # noqa: E402

DAYS = 40
ROWS_PER_DAY = 500
KILL_ROUNDS = 4
QUERIES = [
    "SELECT count(), sum(v), uniqExact(tag) FROM events",
    "SELECT toDate(ts) AS d, count(), sum(v) FROM events GROUP BY d ORDER BY d",
    "SELECT tag, max(v) FROM events WHERE ts >= '2024-01-20 00:00:00' GROUP BY tag ORDER BY tag",
]


def files_under(path, suffix):
    found = []
    for root, _, names in os.walk(path):
        for name in names:
            if name.endswith(suffix) and not name.endswith(".tmp"):
                found.append(os.path.join(root, name))
    return sorted(found)


def local_segments(server):
    return files_under(os.path.join(server.data_dir, "segments"), ".seg")


def cold_objects(server):
    return [path for path in files_under(os.path.join(server.data_dir, "cold"), ".seg") if "/.tmp/" not in path]


def results(server):
    return [server.query_rows(sql) for sql in QUERIES]


def wait_until(condition, timeout_s=60.0):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def main():
    checks = Checks("tiering")
    seed = int(os.environ.get("FURL_TEST_SEED", random.randrange(1 << 30)))
    print(f"seed={seed}", file=sys.stderr)
    rng = random.Random(seed)
    server = FurlServer.from_args(description=__doc__, extra_args=["--tiering-interval-ms", "300"])
    with server:
        server.query("CREATE TABLE events (ts DateTime, tag String, v Int64) ENGINE = MergeTree ORDER BY ts "
                     "SETTINGS segment_granularity = 'DAY'")
        lines = []
        first_day = datetime.datetime(2024, 1, 1)
        for day in range(DAYS):
            for r in range(ROWS_PER_DAY):
                ts = first_day + datetime.timedelta(days=day, seconds=r * 97)
                lines.append(f"{ts:%Y-%m-%d %H:%M:%S}\ttag{(day * 7 + r) % 13}\t{day * 100000 + r}\n")
        server.query("INSERT INTO events FORMAT TabSeparated", body="".join(lines))
        expected = results(server)
        checks.equal("segments.local_before", DAYS, len(local_segments(server)))

        # Every segment is older than a day: the mover starts moving at once.
        server.query("ALTER TABLE events MODIFY SETTING cold_after = 'P1D'")
        for round_number in range(KILL_ROUNDS):
            time.sleep(rng.uniform(0.05, 0.6))
            server.kill()
            server.start()
            checks.equal(f"round{round_number}.results", expected, results(server))

        # The mover finishes: one object per segment, no local file, no orphan.
        done = wait_until(lambda: not local_segments(server) and len(cold_objects(server)) == DAYS)
        checks.true("mover.finished", done,
                    f"local={len(local_segments(server))} objects={len(cold_objects(server))}")
        checks.equal("cold.results", expected, results(server))

        # After a restart with an empty block cache the results stay the same.
        server.stop()
        shutil.rmtree(os.path.join(server.data_dir, "cold-cache"), ignore_errors=True)
        server.start()
        checks.equal("cold.results_after_cache_loss", expected, results(server))
        _, _, headers = server.request("SELECT sum(v) FROM events")
        summary = json.loads(headers.get("X-ClickHouse-Summary", "{}"))
        cold_reads = int(summary.get("cold_fetch_requests", 0)) + int(summary.get("cold_cache_hits", 0))
        checks.true("summary.cold_reads", cold_reads > 0, str(summary))

        # Back to local disk, pinned there; the objects are deleted.
        server.query("ALTER TABLE events RESET SETTING cold_after")
        moved = server.query_rows("ALTER TABLE events MOVE SEGMENTS TO TIER 'warm'")
        checks.equal("warm.moved", [[str(DAYS)]], moved)
        checks.equal("warm.local_files", DAYS, len(local_segments(server)))
        gone = wait_until(lambda: not cold_objects(server))
        checks.true("warm.objects_deleted", gone, f"objects={len(cold_objects(server))}")
        checks.equal("warm.results", expected, results(server))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
