#!/usr/bin/env python3
"""Cold versus warm query times on the ClickBench `hits` table.

Loads a hits TSV file into a fresh furld and runs a set of ClickBench
queries with every segment on local disk (warm). Then it moves every
segment to the object store and runs them again three ways: without the
block cache, so every read is fetched; with an empty cache, which the first
run fills; and with that filled cache. Prints one Markdown table with times
(best of REPEAT runs, in ms), their ratio to the warm time, and the bytes
and requests each query fetched from the object store.

The object store is the local directory store under the data directory,
or with --s3rver an s3rver process (npm, `npm ci` at the repository root)
on a free loopback port, so that every fetch is an HTTP range request.

    python3 bench/tiering/tiering_bench.py --furld build/bin/furld --hits /tmp/hits/hits-1M.tsv [--s3rver]

The server listens on 127.0.0.1 on a free port and is stopped by PID at
the end. Not part of CI.
"""

import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "integration"))
from furl_testlib import FurlServer  # noqa: E402
from s3_testlib import ACCESS_KEY, BUCKET, SECRET_KEY, S3rverProcess  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "clickbench"))
from furl_bench import split_sql  # noqa: E402

# The CREATE TABLE that ClickBench publishes for ClickHouse, as the ClickBench harness uses it.
CREATE_SQL = os.path.join(HERE, "..", "clickbench", "create.sql")

# ClickBench queries (numbered as in ClickBench, from 0) plus one with a
# time filter, which prunes segments before any fetch.
QUERIES = [
    ("Q0", "SELECT COUNT(*) FROM hits"),
    ("Q1", "SELECT COUNT(*) FROM hits WHERE AdvEngineID <> 0"),
    ("Q2", "SELECT SUM(AdvEngineID), COUNT(*), AVG(ResolutionWidth) FROM hits"),
    ("Q3", "SELECT AVG(UserID) FROM hits"),
    ("Q5", "SELECT COUNT(DISTINCT SearchPhrase) FROM hits"),
    ("Q7", "SELECT AdvEngineID, COUNT(*) FROM hits WHERE AdvEngineID <> 0 GROUP BY AdvEngineID "
           "ORDER BY COUNT(*) DESC"),
    ("Q12", "SELECT SearchPhrase, COUNT(*) AS c FROM hits WHERE SearchPhrase <> '' GROUP BY SearchPhrase "
            "ORDER BY c DESC LIMIT 10"),
    ("Q20", "SELECT COUNT(*) FROM hits WHERE URL LIKE '%google%'"),
    ("T1", "SELECT COUNT(*), SUM(ResolutionWidth) FROM hits WHERE EventDate >= '2013-07-25'"),
]


def run(server, sql, repeat):
    best = None
    summary = {}
    for _ in range(repeat):
        start = time.monotonic()
        status, body, headers = server.request(sql, params={"max_threads": "2"})
        elapsed = (time.monotonic() - start) * 1000
        if status != 200:
            raise RuntimeError(f"{sql}: HTTP {status}: {body[:500]}")
        if best is None or elapsed < best:
            best = elapsed
        summary = json.loads(headers.get("X-ClickHouse-Summary", "{}"))
    return best, summary


def measure(server, repeat):
    rows = {}
    for name, sql in QUERIES:
        best, summary = run(server, sql, repeat)
        rows[name] = (best, int(summary.get("cold_fetch_bytes", 0)), int(summary.get("cold_fetch_requests", 0)),
                      int(summary.get("cold_cache_hits", 0)))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--furld", default=os.environ.get("FURLD", "build/bin/furld"))
    parser.add_argument("--hits", default="/tmp/hits/hits-1M.tsv", help="hits rows as TabSeparated")
    parser.add_argument("--repeat", type=int, default=3, help="runs per query; the best time is kept")
    parser.add_argument("--s3rver", action="store_true", help="keep cold segments in s3rver instead of a directory")
    args = parser.parse_args()

    cache_on = ["--tiering-interval-ms", "0", "--log-level", "warn", "--max-body-bytes", str(1 << 40)]
    env = None
    s3rver = None
    if args.s3rver:
        s3rver = S3rverProcess().start()
        cache_on += ["--s3-endpoint", s3rver.endpoint, "--s3-bucket", BUCKET, "--s3-region", "us-east-1"]
        env = dict(os.environ, AWS_ACCESS_KEY_ID=ACCESS_KEY, AWS_SECRET_ACCESS_KEY=SECRET_KEY)
    server = FurlServer(furld=args.furld, extra_args=cache_on, env=env)
    try:
        server.start()
        with open(CREATE_SQL, encoding="utf-8") as create:
            for statement in split_sql(create.read()):
                server.query(statement)
        start = time.monotonic()
        with open(args.hits, "rb") as data:
            server.query("INSERT INTO hits FORMAT TabSeparated", body=data.read())
        load_s = time.monotonic() - start
        count = server.query_rows("SELECT count(), uniqExact(EventDate) FROM hits")[0]
        print(f"loaded {count[0]} rows over {count[1]} days in {load_s:.1f} s", file=sys.stderr)
        warm = measure(server, args.repeat)

        moved = server.query_rows("ALTER TABLE hits MOVE SEGMENTS TO TIER 'cold'")[0][0]
        print(f"moved {moved} segments to the object store", file=sys.stderr)

        # No cache: every range is fetched on every run.
        server.stop()
        server.extra_args = cache_on + ["--cold-cache-bytes", "0"]
        server.start()
        no_cache = measure(server, args.repeat)

        # An empty cache: the first run fills it, later runs hit it.
        server.stop()
        shutil.rmtree(os.path.join(server.data_dir, "cold-cache"), ignore_errors=True)
        server.extra_args = cache_on
        server.start()
        first = measure(server, 1)
        cached = measure(server, args.repeat)
    finally:
        server.close()
        if s3rver is not None:
            s3rver.close()

    def ratio(cold_ms, warm_ms):
        return f"{cold_ms / max(warm_ms, 1.0):.1f}x"

    print("| query | warm ms | no cache ms | no cache / warm | fetched MB | requests | first run ms "
          "| first run / warm | first run fetched MB | cached ms | cached / warm | cached fetched MB | cache hits |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, _ in QUERIES:
        warm_ms = warm[name][0]
        print(f"| {name} | {warm_ms:.0f} | {no_cache[name][0]:.0f} | {ratio(no_cache[name][0], warm_ms)} "
              f"| {no_cache[name][1] / 1e6:.2f} | {no_cache[name][2]} | {first[name][0]:.0f} "
              f"| {ratio(first[name][0], warm_ms)} | {first[name][1] / 1e6:.2f} | {cached[name][0]:.0f} "
              f"| {ratio(cached[name][0], warm_ms)} | {cached[name][1] / 1e6:.2f} | {cached[name][3]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
