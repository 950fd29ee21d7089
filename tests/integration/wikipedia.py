#!/usr/bin/env python3
"""Load the Wikipedia edits sample into a real furld and check query results.

Loads examples/wikiticker-2015-09-12-sampled.json.gz with
`INSERT INTO wikipedia FORMAT JSONEachRow`, runs typical queries (counts,
top pages, edits per hour, sums by channel, exact distinct users) and
compares each with the answer computed here in plain Python from the same
file. Then checks durability: the data survives a SIGTERM restart, and
after a SIGKILL in the middle of a stream of INSERTs every acknowledged row
is there and no INSERT is half applied.

    python3 tests/integration/wikipedia.py [--furld build/bin/furld]
"""

import collections
import gzip
import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import REPO_ROOT, Checks, FurlServer, QueryFailed  # noqa: E402

SAMPLE = os.path.join(REPO_ROOT, "examples", "wikiticker-2015-09-12-sampled.json.gz")

# The same table definition as the demo uses.
with open(os.path.join(REPO_ROOT, "examples", "wikipedia.sql"), encoding="utf-8") as _f:
    CREATE_TABLE = _f.read()

DAY_FILTER = "time >= '2015-09-12 00:00:00' AND time < '2015-09-13 00:00:00'"


def top(keys, n):
    """The n most frequent keys with their counts, ties broken by key."""
    counts = collections.Counter(keys).items()
    return [[key, count] for key, count in sorted(counts, key=lambda kv: (-kv[1], kv[0]))[:n]]


def channel_sums(rows, order_index):
    sums = {}
    for row in rows:
        entry = sums.setdefault(row["channel"], [0, 0, 0, 0])
        entry[0] += 1
        entry[1] += row["added"]
        entry[2] += row["deleted"]
        entry[3] += row["delta"]
    ordered = sorted(sums.items(), key=lambda kv: (-kv[1][order_index], kv[0]))[:5]
    return [[channel] + values for channel, values in ordered]


def expected_answers(rows):
    """Each query's SQL and its result, computed from the JSON rows."""
    day = [r for r in rows if r["time"].startswith("2015-09-12")]
    users = {r["user"] for r in rows}
    return [
        ("count", "SELECT count(*) AS rows FROM wikipedia", [[len(rows)]]),
        ("count_2015_09_12", f"SELECT count(*) AS rows FROM wikipedia WHERE {DAY_FILTER}",
         [[len(day)]]),
        ("rows_per_day",
         "SELECT toString(toDate(time)) AS day, count(*) AS rows FROM wikipedia "
         "GROUP BY day ORDER BY rows DESC, day LIMIT 3",
         top([r["time"][:10] for r in rows], 3)),
        ("top_pages_2015_09_12",
         f"SELECT page, count(*) AS edits FROM wikipedia WHERE {DAY_FILTER} "
         "GROUP BY page ORDER BY edits DESC, page LIMIT 10",
         top([r["page"] for r in day], 10)),
        ("top_pages_all_rows",
         "SELECT page, count(*) AS edits FROM wikipedia GROUP BY page ORDER BY edits DESC, page LIMIT 10",
         top([r["page"] for r in rows], 10)),
        ("edits_per_hour",
         "SELECT formatDateTime(toStartOfHour(time), '%Y-%m-%d %H:00') AS hour, count(*) AS edits "
         "FROM wikipedia GROUP BY hour ORDER BY hour",
         sorted([hour, count] for hour, count in collections.Counter(
             r["time"][:10] + " " + r["time"][11:13] + ":00" for r in rows).items())),
        ("distinct_users",
         "SELECT uniqExact(user) AS exact, count(DISTINCT user) AS count_distinct FROM wikipedia",
         [[len(users), len(users)]]),
        ("channels_by_edits",
         "SELECT channel, count(*) AS edits, sum(added) AS added, sum(deleted) AS deleted, "
         "sum(delta) AS delta FROM wikipedia GROUP BY channel ORDER BY edits DESC, channel LIMIT 5",
         channel_sums(rows, 0)),
        ("channels_by_added",
         "SELECT channel, count(*) AS edits, sum(added) AS added, sum(deleted) AS deleted, "
         "sum(delta) AS delta FROM wikipedia GROUP BY channel ORDER BY added DESC, channel LIMIT 5",
         channel_sums(rows, 1)),
        ("top_countries",
         "SELECT countryName, count(*) AS edits FROM wikipedia "
         "WHERE countryName IS NOT NULL AND countryName <> '' "
         "GROUP BY countryName ORDER BY edits DESC, countryName LIMIT 5",
         top([r["countryName"] for r in rows if r["countryName"]], 5)),
        ("nullable_and_bool_counts",
         "SELECT count(metroCode), count(cityName), sum(CASE WHEN isRobot THEN 1 ELSE 0 END), "
         "sum(metroCode) FROM wikipedia",
         [[sum(r["metroCode"] is not None for r in rows),
           sum(r["cityName"] is not None for r in rows),
           sum(r["isRobot"] for r in rows),
           sum(r["metroCode"] or 0 for r in rows)]]),
        ("robot_edits_by_namespace",
         "SELECT namespace, count(*) AS edits FROM wikipedia WHERE isRobot "
         "GROUP BY namespace ORDER BY edits DESC, namespace LIMIT 3",
         top([r["namespace"] for r in rows if r["isRobot"]], 3)),
        ("first_and_last_edit",
         "SELECT min(time), max(time) FROM wikipedia",
         [[min(r["time"] for r in rows).replace("T", " ").rstrip("Z"),
           max(r["time"] for r in rows).replace("T", " ").rstrip("Z")]]),
    ]


def as_text(rows):
    return [[str(value) for value in row] for row in rows]


def run_queries(checks, server, answers, label):
    for name, sql, expected in answers:
        try:
            actual = server.query_rows(sql)
        except QueryFailed as error:
            checks.error(f"{label}.{name}", error)
            continue
        checks.equal(f"{label}.{name}", as_text(expected), actual)


def check_approximate_distinct(checks, server, rows, label):
    """Check the sketch-based distinct counts against the exact count.

    HyperLogLog with 2^12 registers has a standard error of about 1.6%, so
    5% is more than three standard errors.
    """
    exact = len({r["user"] for r in rows})
    sql = "SELECT uniq(user), uniqHLL12(user), APPROX_COUNT_DISTINCT(user) FROM wikipedia"
    try:
        [estimates] = server.query_rows(sql)
    except (QueryFailed, ValueError) as error:
        checks.error(f"{label}.approximate_distinct_users", error)
        return
    for name, estimate in zip(("uniq", "uniqHLL12", "APPROX_COUNT_DISTINCT"), estimates):
        relative_error = abs(float(estimate) - exact) / exact
        checks.true(f"{label}.approximate_distinct_users.{name}", relative_error <= 0.05,
                    f"{name}(user) = {estimate}, exact {exact}, relative error {relative_error:.3f}")


def check_load(checks, server, body, rows):
    started = time.monotonic()
    try:
        server.query(CREATE_TABLE)
        server.insert_json_each_row("wikipedia", body)
    except QueryFailed as error:
        checks.error("load.insert", error)
        return False
    elapsed = time.monotonic() - started
    print(f"loaded {len(rows)} rows ({len(body) / 1e6:.1f} MB) in {elapsed:.2f} s", flush=True)

    # One edit read back whole, so every column's parsing is checked.
    first = rows[0]
    try:
        stored = server.query_json_rows(
            "SELECT * FROM wikipedia WHERE time = '2015-09-12 00:46:58.771' AND page = "
            + sql_string(first["page"]))
    except QueryFailed as error:
        checks.error("load.first_row", error)
        return True
    if checks.equal("load.first_row_count", 1, len(stored)):
        expected = dict(first)
        expected["time"] = "2015-09-12 00:46:58.771"
        checks.equal("load.first_row", integers_as_text(expected), integers_as_text(stored[0]))
    return True


def integers_as_text(row):
    """Integers as strings, since ClickHouse's JSON output quotes 64-bit integers by default."""
    return {key: str(value) if isinstance(value, int) and not isinstance(value, bool) else value
            for key, value in row.items()}


def sql_string(text):
    return "'" + text.replace("'", "''") + "'"


def check_sigterm_restart(checks, server, answers):
    status = server.stop(sig=signal.SIGTERM)
    checks.equal("sigterm.exit_status", 0, status)
    server.start()
    run_queries(checks, server, answers, "after_sigterm")


class InsertStream(threading.Thread):
    """Inserts numbered batches until an INSERT fails because the server was killed.

    `acknowledged` lists the batches whose INSERT returned 200; an INSERT
    that was in flight when the server died may or may not be stored.
    """

    def __init__(self, url_server, batch_rows):
        super().__init__(daemon=True)
        self.server = url_server
        self.batch_rows = batch_rows
        self.acknowledged = []
        self.first_error = None

    def run(self):
        batch = 0
        while True:
            body = "".join(
                json.dumps({"batch": batch, "seq": seq, "payload": f"batch {batch} row {seq}"}) + "\n"
                for seq in range(self.batch_rows))
            try:
                status, text, _ = self.server.request(
                    "INSERT INTO kill_test FORMAT JSONEachRow", body=body, timeout_s=30)
            except Exception as error:  # the server was killed mid-request
                self.first_error = error
                return
            if status != 200:
                self.first_error = f"HTTP {status}: {text.strip()[:500]}"
                return
            self.acknowledged.append(batch)
            batch += 1


def check_sigkill_during_inserts(checks, server, rows_total):
    batch_rows = 500
    server.query("CREATE TABLE kill_test (batch Int64, seq Int64, payload String) "
                 "ENGINE = MergeTree ORDER BY (batch, seq)")
    stream = InsertStream(server, batch_rows)
    stream.start()

    # Let some INSERTs complete, then kill the server while more are in flight.
    deadline = time.monotonic() + 60
    while len(stream.acknowledged) < 20 and stream.is_alive() and time.monotonic() < deadline:
        time.sleep(0.01)
    if not checks.true("sigkill.inserts_acknowledged_before_kill", len(stream.acknowledged) >= 20,
                       f"{len(stream.acknowledged)} batches acknowledged; stream error: {stream.first_error}"):
        server.kill()
        stream.join(timeout=60)
        server.start()
        return
    server.kill()
    stream.join(timeout=60)
    acknowledged = list(stream.acknowledged)
    print(f"SIGKILL after {len(acknowledged)} acknowledged batches of {batch_rows} rows", flush=True)

    server.start()
    try:
        per_batch = server.query_rows(
            "SELECT batch, count(*), count(DISTINCT seq) FROM kill_test GROUP BY batch")
        wikipedia_count = server.query_rows("SELECT count(*) FROM wikipedia")
    except QueryFailed as error:
        checks.error("sigkill.query_after_restart", error)
        return

    stored = {int(batch): int(count) for batch, count, _ in per_batch}
    duplicated = [int(batch) for batch, count, distinct in per_batch if count != distinct]
    lost = [b for b in acknowledged if stored.get(b, 0) != batch_rows]
    checks.true("sigkill.acknowledged_batches_complete", not lost,
                f"acknowledged batches with missing rows: {lost[:20]} "
                f"(stored counts: {[stored.get(b, 0) for b in lost[:20]]})")
    partial = {b: n for b, n in stored.items() if n != batch_rows}
    checks.true("sigkill.no_partial_batch", not partial, f"batches stored in part: {partial}")
    unexpected = sorted(set(stored) - set(acknowledged))
    checks.true("sigkill.at_most_the_in_flight_batch_extra", len(unexpected) <= 1,
                f"batches stored but never acknowledged: {unexpected}")
    checks.true("sigkill.no_duplicate_rows", not duplicated,
                f"batches with a row stored twice: {duplicated[:20]}")
    checks.equal("sigkill.wikipedia_intact", [[str(rows_total)]], wikipedia_count)


def main():
    server = FurlServer.from_args(description=__doc__.split("\n\n")[0])
    checks = Checks("wikipedia")
    with gzip.open(SAMPLE, "rb") as f:
        body = f.read()
    rows = [json.loads(line) for line in body.decode("utf-8").splitlines() if line.strip()]
    answers = expected_answers(rows)

    with server:
        if check_load(checks, server, body, rows):
            run_queries(checks, server, answers, "loaded")
            check_approximate_distinct(checks, server, rows, "loaded")
            check_sigterm_restart(checks, server, answers)
            check_sigkill_during_inserts(checks, server, len(rows))
        if checks.failed:
            print(server.log_tail(), file=sys.stderr)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
