#!/usr/bin/env python3
"""Run the ingest throughput benchmark end to end on 500 events per data set (a ctest).

    python3 bench/ingest/throughput/smoke_test.py --furld build/bin/furld \
        --broker build/bin/furl-kafka-broker --kcat kcat

Runs run.py on the first 500 Wikipedia edits and on 500 generated hits rows
and checks that each run exits with status 0 and prints its summary line with
500 events. The rates it prints mean nothing at this size.
"""

import argparse
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
EVENTS = 500


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--furld", required=True)
    parser.add_argument("--broker", required=True)
    parser.add_argument("--kcat", default="kcat")
    args = parser.parse_args()

    failures = 0
    for dataset, size in (("wikipedia", ["--repeat", "1", "--limit", str(EVENTS)]),
                          ("hits", ["--rows", str(EVENTS)])):
        command = [sys.executable, os.path.join(HERE, "run.py"), "--dataset", dataset, *size,
                   "--furld", args.furld, "--broker", args.broker, "--kcat", args.kcat, "--timeout", "120"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600)
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        summary = re.search(rf"^ingest-throughput dataset={dataset} events=(\d+) .*events_per_cpu_s=\d+",
                            result.stdout, re.MULTILINE)
        if result.returncode != 0:
            print(f"FAIL {dataset}: run.py exited with status {result.returncode}", file=sys.stderr)
            failures += 1
        elif summary is None:
            print(f"FAIL {dataset}: no summary line in the output", file=sys.stderr)
            failures += 1
        elif int(summary.group(1)) != EVENTS:
            print(f"FAIL {dataset}: the summary counts {summary.group(1)} events, expected {EVENTS}",
                  file=sys.stderr)
            failures += 1
        else:
            print(f"ok {dataset}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
