#!/usr/bin/env python3
"""Compare Furl's hits ingest with the peers' JSON load, in interleaved rounds.

    python3 bench/ingest/throughput/side_by_side.py --hits-file /tmp/hits_1M.json --rounds 8

Each round runs run.py --dataset hits on the file (Kafka to rolled-up
segments, events per furld CPU second) and then peer_json_cpu.py on the same
file (the peer's JSON load, rows per CPU second of its process). Machines here
are shared, and whole runs vary by 15 to 30%, so only rounds taken one after
the other compare well. The script prints one line per round and then the
medians of both rates, their ratio, and the median of the round ratios. The
goal of the ingest benchmark is a ratio of at least 3: the script exits
with status 1 when either ratio is below --goal.

The peer scripts and their node packages come from peer_json_cpu.py's
--peers directory (/tmp/peers by default, copied from ../shared/peers; run
npm install in its chdb/ folder first). Extra arguments after -- go to
run.py, for example -- --furld build-other/bin/furld.

The last line is

    side-by-side rounds=... furl_events_per_cpu_s=... peer_rows_per_cpu_s=... ratio=... median_round_ratio=...
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# The ingest benchmark's goal: 3 times the peer's JSON load per core.
GOAL = 3.0


def run_and_find(command, pattern):
    """Runs `command` and returns the match of `pattern` in its output, or exits with its output."""
    result = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    found = re.search(pattern, result.stdout, re.MULTILINE)
    if result.returncode != 0 or found is None:
        sys.stdout.write(result.stdout)
        sys.exit(f"side-by-side: {' '.join(command[:3])} failed with status {result.returncode}")
    return found


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hits-file", required=True,
                        help="JSONEachRow hits rows from gen_hits.py --format jsoneachrow")
    parser.add_argument("--rounds", type=int, default=8, help="interleaved rounds [8]")
    parser.add_argument("--engine", default="chdb", choices=["chdb", "duckdb"],
                        help="the peer to load the file [chdb, the fastest JSON load of the baseline]")
    parser.add_argument("--peers", help="peer_json_cpu.py's --peers directory [its default]")
    parser.add_argument("--goal", type=float, default=GOAL,
                        help=f"exit with status 1 when the ratio of the medians or the median of the round "
                             f"ratios is below this [{GOAL:g}]")
    parser.add_argument("run_args", nargs="*", help="arguments for run.py, after --")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    if not os.path.isfile(args.hits_file):
        parser.error(f"--hits-file {args.hits_file} not found; create it with gen_hits.py --format jsoneachrow")

    furl_command = [sys.executable, os.path.join(HERE, "run.py"), "--dataset", "hits",
                    "--hits-file", args.hits_file] + args.run_args
    peer_command = [sys.executable, os.path.join(HERE, "peer_json_cpu.py"), "--json", args.hits_file,
                    "--engines", args.engine]
    if args.peers:
        peer_command += ["--peers", args.peers]

    furl_rates, peer_rates, ratios = [], [], []
    for round_number in range(1, args.rounds + 1):
        furl = run_and_find(furl_command, r"^ingest-throughput .*\bevents_per_cpu_s=(\d+)")
        peer = run_and_find(peer_command, rf"^peer-json-cpu engine={args.engine} .*\brows_per_cpu_s=(\d+)")
        furl_rate, peer_rate = int(furl.group(1)), int(peer.group(1))
        furl_rates.append(furl_rate)
        peer_rates.append(peer_rate)
        ratios.append(furl_rate / peer_rate)
        print(f"round {round_number}: Furl {furl_rate:,} events per CPU s, {args.engine} {peer_rate:,} rows "
              f"per CPU s, ratio {furl_rate / peer_rate:.2f}", flush=True)

    furl_median = statistics.median(furl_rates)
    peer_median = statistics.median(peer_rates)
    ratio = furl_median / peer_median
    median_round_ratio = statistics.median(ratios)
    print(f"side-by-side rounds={args.rounds} furl_events_per_cpu_s={furl_median:.0f} "
          f"peer_rows_per_cpu_s={peer_median:.0f} ratio={ratio:.2f} "
          f"median_round_ratio={median_round_ratio:.2f}")
    if min(ratio, median_round_ratio) < args.goal:
        print(f"side-by-side: below the goal of {args.goal:g} times {args.engine}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
