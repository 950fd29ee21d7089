#!/usr/bin/env python3
"""Measure furld's CPU time per ClickBench query on an already loaded table.

    python3 bench/clickbench/cpu_times.py --data-dir /tmp/furl10m --queries 16,17,33 --runs 3

Starts build/bin/furld (or --furld) on a free loopback port over --data-dir
and runs each query once to warm up and then --runs times. It prints per
query the CPU seconds (user + system, from /proc/PID/stat) and wall seconds
per run, plus a short hash of the result so two builds can be checked for
equal results. furld is stopped by PID at the end. On a machine shared with other
work, CPU time varies much less than wall time, so it is the better measure
for comparing two builds; it is not comparable with other engines' wall
times.

furld may write to the data directory (catalog, merges), so point it at a
copy when the directory must stay unchanged.
"""

import argparse
import hashlib
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests", "integration"))
sys.path.insert(0, HERE)

from furl_bench import split_sql  # noqa: E402
from furl_testlib import DEFAULT_FURLD, FurlServer  # noqa: E402


def cpu_seconds(pid):
    """User plus system CPU seconds of process `pid` so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parse_queries(text, count):
    """Query numbers from "1,5-9" (1-based); all of them for "all"."""
    if text == "all":
        return list(range(1, count + 1))
    numbers = []
    for part in text.split(","):
        first, _, last = part.partition("-")
        numbers.extend(range(int(first), int(last or first) + 1))
    for n in numbers:
        if not 1 <= n <= count:
            raise SystemExit(f"query number {n} is out of range; queries.sql has {count} queries")
    return numbers


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--furld", default=os.environ.get("FURLD", DEFAULT_FURLD), help="furld binary")
    parser.add_argument("--data-dir", required=True, help="furld data directory that contains the hits table")
    parser.add_argument("--queries", default="all", help='query numbers, e.g. "1,5-9" (default: all)')
    parser.add_argument("--runs", type=int, default=3, help="timed runs per query after one warm-up run")
    parser.add_argument("--queries-file", default=os.path.join(HERE, "queries.sql"), help="SQL file of the queries")
    args = parser.parse_args()

    with open(args.queries_file) as f:
        queries = split_sql(f.read())
    with FurlServer(furld=args.furld, data_dir=args.data_dir) as server:
        pid = server.process.pid
        for n in parse_queries(args.queries, len(queries)):
            sql = queries[n - 1]
            result = server.query(sql)
            digest = hashlib.md5(str(result).encode()).hexdigest()[:8]
            cpu_before = cpu_seconds(pid)
            wall_before = time.monotonic()
            for _ in range(args.runs):
                server.query(sql)
            cpu = (cpu_seconds(pid) - cpu_before) / args.runs
            wall = (time.monotonic() - wall_before) / args.runs
            print(f"Q{n}\tcpu_s={cpu:.3f}\twall_s={wall:.3f}\tresult={digest}", flush=True)


if __name__ == "__main__":
    main()
