#!/usr/bin/env python3
"""Tiered storage end to end: furld, s3rver and the fault-injecting proxy.

furld stores cold segments in s3rver through the FaultProxy of
s3_testlib.py, with an S3 prefix and a table name that contain a space,
unicode and `+`. The test checks, each time against results computed in
Python from the rows it inserted:

- the mover moves segments by age (hot_period, cold_after), and queries
  over hot, warm and cold segments return the same results;
- after a restart with an empty block cache the results are the same; the
  footer is fetched once per segment, a query fetches only the column
  blocks it reads, with range requests, and pruning needs no fetch;
- with S3 down (connection resets), a query over cold data fails with an
  error naming the segment and the cause, queries over hot and warm data
  keep working, inserts return while the mover is stuck on a slow request,
  and the mover moves the waiting segment once S3 is back;
- furld killed with SIGKILL at each step of a move, both ways (the
  FURL_TEST_TIERING_CRASH_AT hook), restarts with every row counted once,
  and the mover then leaves no orphan, neither a local file nor an object.

    python3 tests/integration/tiering_s3.py [--furld build/bin/furld] [--node node]
"""

import argparse
import datetime
import http.client
import json
import os
import shutil
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ElementTree

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import DEFAULT_FURLD, Checks, FurlServer, QueryFailed  # noqa: E402
from s3_testlib import ACCESS_KEY, BUCKET, SECRET_KEY, FaultProxy, FaultRule, S3rverProcess  # noqa: E402

PREFIX = "tier test+ü/"
TABLE = "ev ents+ü"
QUOTED = f'"{TABLE}"'
DAYS = 16
ROWS_PER_DAY = 300
HOT_DAYS = 2
COLD_DAYS = 10
MOVE_STEPS_TO_COLD = ["uploaded", "verified", "committed"]
MOVE_STEPS_TO_WARM = ["downloaded", "local_verified", "local_committed"]
S3_ARGS = ["--s3-bucket", BUCKET, "--s3-prefix", PREFIX, "--s3-region", "us-east-1", "--s3-max-attempts", "2",
           "--s3-connect-timeout-ms", "1000", "--s3-request-timeout-ms", "3000", "--tiering-interval-ms", "300"]
MS_PER_DAY = 86_400_000


def today_start():
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return datetime.datetime(now.year, now.month, now.day)


class Rows:
    """The rows inserted so far, and the query results they must give."""

    def __init__(self):
        self.rows = []  # (datetime, tag, v)

    def make_day(self, day_start, count, first_value):
        batch = []
        for r in range(count):
            ts = day_start + datetime.timedelta(seconds=17 + r * 97)
            batch.append((ts, f"tag{(r * 7 + day_start.day) % 11}", first_value + r))
        return batch

    def tsv(self, batch):
        return "".join(f"{ts:%Y-%m-%d %H:%M:%S}\t{tag}\t{v}\n" for ts, tag, v in batch)

    def expected(self, since=None):
        """Results of results() over the rows with ts >= since."""
        rows = [row for row in self.rows if since is None or row[0] >= since]
        total = [[str(len(rows)), str(sum(v for _, _, v in rows))]]
        by_day = {}
        by_tag = {}
        for ts, tag, v in rows:
            day = by_day.setdefault(ts.strftime("%Y-%m-%d"), [0, 0])
            day[0] += 1
            day[1] += v
            entry = by_tag.setdefault(tag, [0, 0, None])
            entry[0] += 1
            entry[1] += v
            entry[2] = v if entry[2] is None else max(entry[2], v)
        days = [[day, str(c), str(s)] for day, (c, s) in sorted(by_day.items())]
        tags = [[tag, str(c), str(s), str(m)] for tag, (c, s, m) in sorted(by_tag.items())]
        return [total, days, tags]


def where_since(since):
    return "" if since is None else f" WHERE ts >= '{since:%Y-%m-%d %H:%M:%S}'"


def results(server, since=None):
    where = where_since(since)
    return [
        server.query_rows(f"SELECT count(), sum(v) FROM {QUOTED}{where}"),
        server.query_rows(f"SELECT toString(toDate(ts)) AS d, count(), sum(v) FROM {QUOTED}{where} "
                          "GROUP BY d ORDER BY d"),
        server.query_rows(f"SELECT tag, count(), sum(v), max(v) FROM {QUOTED}{where} GROUP BY tag ORDER BY tag"),
    ]


def summary_of(server, sql):
    status, body, headers = server.request(sql)
    if status != 200:
        raise QueryFailed(sql, status, body)
    return json.loads(headers.get("X-ClickHouse-Summary", "{}"))


def segments(server):
    """system.segments rows of the table as dicts."""
    return server.query_json_rows(
        "SELECT segment_id, toUnixTimestamp(end_time) * 1000 AS end_ms, rows, tier, location, pinned_tier "
        f"FROM system.segments WHERE table = '{TABLE}'")


def desired_tier(segment, now_ms):
    end_ms = int(segment["end_ms"])
    if end_ms <= now_ms - COLD_DAYS * MS_PER_DAY:
        return "cold"
    if end_ms > now_ms - HOT_DAYS * MS_PER_DAY:
        return "hot"
    return "warm"


def bucket_keys(s3rver):
    """Every key in the bucket, listed from s3rver directly (it does not check signatures)."""
    keys = []
    token = None
    while True:
        query = {"list-type": "2", "max-keys": "1000"}
        if token:
            query["continuation-token"] = token
        connection = http.client.HTTPConnection("127.0.0.1", s3rver.port, timeout=10)
        connection.request("GET", f"/{BUCKET}?{urllib.parse.urlencode(query)}")
        response = connection.getresponse()
        body = response.read()
        connection.close()
        if response.status != 200:
            raise RuntimeError(f"listing bucket {BUCKET}: HTTP {response.status} {body[:300]!r}")
        root = ElementTree.fromstring(body)
        namespace = root.tag[:root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        keys += [element.text for element in root.iter(f"{namespace}Key")]
        truncated = root.find(f"{namespace}IsTruncated")
        if truncated is None or truncated.text != "true":
            return sorted(keys)
        token = root.find(f"{namespace}NextContinuationToken").text


def local_files(server):
    directory = os.path.join(server.data_dir, "segments")
    return sorted(name for name in os.listdir(directory) if name.endswith(".seg"))


def storage_state(server, s3rver):
    """(local files, expected local files, bucket keys, expected bucket keys, wrong tiers)."""
    now_ms = int(time.time() * 1000)
    listed = segments(server)
    expected_files = sorted(f"{s['segment_id']}.seg" for s in listed if s["tier"] != "cold")
    expected_keys = sorted(PREFIX + s["location"].split(" key ", 1)[1] for s in listed if s["tier"] == "cold")
    wrong = [(s["segment_id"], s["tier"], desired_tier(s, now_ms)) for s in listed
             if not s["pinned_tier"] and s["tier"] != desired_tier(s, now_ms)]
    return local_files(server), expected_files, bucket_keys(s3rver), expected_keys, wrong


def wait_until(condition, timeout_s=60.0, interval_s=0.2):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval_s)
    return False


def check_settled(checks, name, server, s3rver, rows):
    """Waits for the mover to finish, then checks results, tiers and that no orphan is left."""
    def settled():
        files, expected_files, keys, expected_keys, wrong = storage_state(server, s3rver)
        return files == expected_files and keys == expected_keys and not wrong

    wait_until(settled)
    files, expected_files, keys, expected_keys, wrong = storage_state(server, s3rver)
    checks.equal(f"{name}.results", rows.expected(), results(server))
    checks.equal(f"{name}.segment_rows", str(len(rows.rows)),
                 server.query_rows(f"SELECT sum(rows) FROM system.segments WHERE table = '{TABLE}'")[0][0])
    checks.equal(f"{name}.tiers_by_age", [], wrong)
    checks.equal(f"{name}.local_files", expected_files, files)
    checks.equal(f"{name}.bucket_keys", expected_keys, keys)


def log_text(server):
    with open(server.log_path, encoding="utf-8", errors="replace") as log:
        return log.read()


def crash_and_restart(checks, name, server, env, step, action):
    """Starts furld with the crash hook at `step`, runs `action`, waits for the SIGKILL, restarts."""
    server.stop()
    server.env = dict(env, FURL_TEST_TIERING_CRASH_AT=step)
    server.start()
    try:
        action()
    except (QueryFailed, OSError) as error:
        print(f"{name}: the request ended with the process: {str(error)[:200]}", file=sys.stderr)
    process = server.process
    try:
        process.wait(timeout=90)
    except Exception:  # noqa: BLE001 (reported as a failed check below)
        pass
    checks.equal(f"{name}.killed_by_hook", -9, process.returncode)
    checks.true(f"{name}.hook_logged", f"SIGKILL at step={step}" in log_text(server), server.log_tail(10))
    server.stop()
    server.env = env
    server.start()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--furld", default=os.environ.get("FURLD", DEFAULT_FURLD))
    parser.add_argument("--node", default="node")
    args = parser.parse_args()
    checks = Checks("tiering_s3")

    with S3rverProcess(node=args.node) as s3rver, FaultProxy(s3rver.port) as proxy:
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
        env.pop("FURL_TEST_TIERING_CRASH_AT", None)
        server = FurlServer(furld=args.furld, extra_args=S3_ARGS + ["--s3-endpoint", proxy.endpoint], env=env)
        with server:
            run(checks, server, s3rver, proxy)
    return checks.finish()


def run(checks, server, s3rver, proxy):
    rows = Rows()
    today = today_start()
    server.query(f"CREATE TABLE {QUOTED} (ts DateTime, tag String, v Int64) ENGINE = MergeTree ORDER BY ts "
                 "SETTINGS segment_granularity = 'DAY'")
    batch = []
    for age in range(DAYS):
        batch += rows.make_day(today - datetime.timedelta(days=age), ROWS_PER_DAY, age * 100_000)
    server.query(f"INSERT INTO {QUOTED} FORMAT TabSeparated", body=rows.tsv(batch))
    rows.rows += batch
    checks.equal("warm.results", rows.expected(), results(server))

    # --- Segments move by age; every tier gives the same results. ---
    server.query(f"ALTER TABLE {QUOTED} MODIFY SETTING hot_period = 'P{HOT_DAYS}D', cold_after = 'P{COLD_DAYS}D'")
    check_settled(checks, "by_age", server, s3rver, rows)
    tiers = sorted({s["tier"] for s in segments(server)})
    checks.equal("by_age.all_tiers_present", ["cold", "hot", "warm"], tiers)
    keys = bucket_keys(s3rver)
    checks.true("keys.prefix_and_table", keys and all(k.startswith(PREFIX) and f"/{TABLE}/" in k for k in keys),
                str(keys[:3]))
    since_warm = today - datetime.timedelta(days=COLD_DAYS - 3)
    checks.equal("hot_and_warm.results", rows.expected(since_warm), results(server, since_warm))

    # --- Restart with an empty block cache. ---
    server.stop()
    shutil.rmtree(os.path.join(server.data_dir, "cold-cache"), ignore_errors=True)
    server.start()
    cold_count = sum(1 for s in segments(server) if s["tier"] == "cold")
    gets_before = len(proxy.request_log)
    first = summary_of(server, f"SELECT sum(v) FROM {QUOTED}")
    first_gets = [r for r in proxy.request_log[gets_before:] if r[0] == "GET"]
    # Each cold segment holds one block (ROWS_PER_DAY rows), so the query
    # sends the header, tail and footer requests, then one range for the
    # block of `v`. The query statistics count every request the proxy saw.
    checks.equal("empty_cache.fetched", 4 * cold_count, int(first.get("cold_fetch_requests", 0)))
    checks.equal("empty_cache.requests_counted", int(first.get("cold_fetch_requests", 0)), len(first_gets))
    checks.true("empty_cache.range_requests", all(r[2] and r[2].startswith("bytes=") for r in first_gets),
                str([r for r in first_gets if not r[2]][:3]))

    # The footers stay in memory: a query of another column fetches only
    # its block of each segment, fewer bytes than the segments hold.
    gets_before = len(proxy.request_log)
    other = summary_of(server, f"SELECT uniqExact(toHour(ts)) FROM {QUOTED}")
    other_gets = [r for r in proxy.request_log[gets_before:] if r[0] == "GET"]
    checks.equal("footer_cached.requests_counted", int(other.get("cold_fetch_requests", 0)), len(other_gets))
    # Both queries read one column of every cold segment; only the first
    # fetched the 3 footer ranges of each.
    checks.equal("footer_cached.no_footer_requests", int(first.get("cold_fetch_requests", 0)) - 3 * cold_count,
                 len(other_gets))
    cold_bytes = int(server.query_rows(f"SELECT sum(bytes) FROM system.segments WHERE table = '{TABLE}' "
                                       "AND tier = 'cold'")[0][0])
    checks.equal("needed_columns_only.requests", cold_count, len(other_gets))
    checks.true("needed_columns_only.bytes", 0 < int(other.get("cold_fetch_bytes", 0)) < cold_bytes,
                f"fetched {other.get('cold_fetch_bytes')} of {cold_bytes} bytes")
    checks.equal("empty_cache.results", rows.expected(), results(server))

    # Cached blocks are not fetched again.
    gets_before = len(proxy.request_log)
    again = summary_of(server, f"SELECT uniqExact(toHour(ts)) FROM {QUOTED}")
    checks.equal("cache.no_requests", 0, len([r for r in proxy.request_log[gets_before:] if r[0] == "GET"]))
    checks.true("cache.hits", int(again.get("cold_cache_hits", 0)) > 0, str(again))

    # Time pruning and min/max pruning need no fetch.
    gets_before = len(proxy.request_log)
    pruned = summary_of(server, f"SELECT count() FROM {QUOTED} WHERE v > 1000000000 AND tag = 'tag1'")
    checks.equal("pruning.min_max", 0, int(pruned.get("cold_fetch_requests", 0)))
    pruned = summary_of(server, f"SELECT sum(v) FROM {QUOTED}{where_since(since_warm)}")
    checks.equal("pruning.time", 0, int(pruned.get("cold_fetch_requests", 0)))
    checks.equal("pruning.proxy_requests", 0, len(proxy.request_log) - gets_before)

    s3_unavailable(checks, server, s3rver, proxy, rows, today, since_warm)
    crashes(checks, server, s3rver, rows, today)


def s3_unavailable(checks, server, s3rver, proxy, rows, today, since_warm):
    # An empty cache, so that cold reads must reach S3.
    server.stop()
    shutil.rmtree(os.path.join(server.data_dir, "cold-cache"), ignore_errors=True)
    server.start()

    # S3 hangs: every request is held for longer than furld's request
    # timeout. A new segment old enough to be cold gets stuck in its upload,
    # and inserts return meanwhile.
    proxy.clear_rules()
    failures_before = log_text(server).count("segment move failed")
    log_start = len(proxy.request_log)
    proxy.add_rule(FaultRule({"action": "delay", "delay_ms": "8000", "count": "1000"}))
    old_day = today - datetime.timedelta(days=COLD_DAYS + 2)
    stuck = rows.make_day(old_day, 50, 50_000_000)
    server.query(f"INSERT INTO {QUOTED} FORMAT TabSeparated", body=rows.tsv(stuck))
    rows.rows += stuck

    def upload_held():
        return proxy.active > 0 and any(r[0] == "PUT" for r in proxy.request_log[log_start:])

    checks.true("slow_s3.upload_held", wait_until(upload_held, 30), str(proxy.request_log[log_start:][:5]))
    fresh = rows.make_day(today, 20, 60_000_000)
    server.query(f"INSERT INTO {QUOTED} FORMAT TabSeparated", body=rows.tsv(fresh))
    rows.rows += fresh
    still_held = proxy.active > 0
    failed_meanwhile = log_text(server).count("segment move failed") > failures_before
    checks.true("slow_s3.insert_returned_during_move", still_held and not failed_meanwhile,
                f"active={proxy.active}; a move failure was already logged: {failed_meanwhile}; "
                f"requests: {proxy.request_log[log_start:][:5]}")
    checks.equal("slow_s3.hot_and_warm_results", rows.expected(since_warm), results(server, since_warm))

    # S3 down: connections are reset.
    proxy.clear_rules()
    proxy.add_rule(FaultRule({"action": "reset", "count": "100000"}))
    status, body, _ = server.request(f"SELECT sum(v), max(tag) FROM {QUOTED}")
    checks.true("s3_down.cold_query_fails", status != 200, f"HTTP {status}")
    cold_ids = [s["segment_id"] for s in segments(server) if s["tier"] == "cold"]
    checks.true("s3_down.error_names_segment", any(f"segment {i} of table '{TABLE}' (cold" in body for i in cold_ids),
                body[:600])
    checks.true("s3_down.error_names_cause", "S3 GET" in body and "failed after 2 attempts" in body, body[:600])
    checks.equal("s3_down.hot_and_warm_results", rows.expected(since_warm), results(server, since_warm))
    more = rows.make_day(today - datetime.timedelta(days=1), 20, 70_000_000)
    server.query(f"INSERT INTO {QUOTED} FORMAT TabSeparated", body=rows.tsv(more))
    rows.rows += more
    checks.true("s3_down.mover_retries", wait_until(lambda: "retrying on a later pass" in log_text(server), 60),
                server.log_tail(10))
    waiting = [s for s in segments(server) if s["tier"] != "cold" and desired_tier(s, int(time.time() * 1000)) == "cold"]
    checks.true("s3_down.segment_waits", len(waiting) >= 1, str(waiting))

    # S3 is back: the mover moves the waiting segment.
    proxy.clear_rules()
    check_settled(checks, "s3_back", server, s3rver, rows)


def crashes(checks, server, s3rver, rows, today):
    for number, step in enumerate(MOVE_STEPS_TO_COLD):
        # A new segment in a cold day: the mover uploads it at once.
        batch = rows.make_day(today - datetime.timedelta(days=COLD_DAYS + 1 + number), 40, 80_000_000 + number * 1000)
        rows.rows += batch

        def insert(batch=batch):
            server.query(f"INSERT INTO {QUOTED} FORMAT TabSeparated", body=rows.tsv(batch))

        crash_and_restart(checks, f"crash_{step}", server, server.env, step, insert)
        check_settled(checks, f"crash_{step}", server, s3rver, rows)

    for number, step in enumerate(MOVE_STEPS_TO_WARM):
        day = today - datetime.timedelta(days=COLD_DAYS + 3 + number)
        where = f"WHERE ts >= '{day:%Y-%m-%d} 00:00:00' AND ts < '{day + datetime.timedelta(days=1):%Y-%m-%d} 00:00:00'"

        def recall(where=where):
            server.query(f"ALTER TABLE {QUOTED} MOVE SEGMENTS TO TIER 'warm' {where}")

        crash_and_restart(checks, f"crash_{step}", server, server.env, step, recall)
        checks.equal(f"crash_{step}.results_after_restart", rows.expected(), results(server))
        # Hand the segment back to the rules, which move it to cold again.
        server.query(f"ALTER TABLE {QUOTED} MOVE SEGMENTS TO TIER 'auto' {where}")
        check_settled(checks, f"crash_{step}", server, s3rver, rows)


if __name__ == "__main__":
    sys.exit(main())
