#!/usr/bin/env python3
"""Run the ClickBench harness end to end on a few generated rows (a ctest).

    python3 bench/clickbench/smoke_test.py --furld build/bin/furld [--rows 2000]

Generates rows with gen_hits.py (needs numpy; Debian's python3-numpy), loads
them into a furld that furl_bench.py starts, runs the 43 queries once, checks
every result against SQLite (reference.py) and runs compare.py on Furl's and
SQLite's reports. It checks that the programs work and return the right
results. The times it prints mean nothing.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import compare  # noqa: E402
import furl_bench  # noqa: E402
import reference  # noqa: E402


def numpy_python():
    """This interpreter if it imports numpy, else Debian's /usr/bin/python3."""
    probe = subprocess.run([sys.executable, "-c", "import numpy"], capture_output=True)
    return sys.executable if probe.returncode == 0 else "/usr/bin/python3"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--furld", default=os.path.join(furl_bench.REPO_ROOT, "build", "bin", "furld"))
    parser.add_argument("--rows", type=int, default=2000)
    args = parser.parse_args()

    work = tempfile.mkdtemp(prefix="furl-clickbench-smoke-")
    try:
        tsv = os.path.join(work, "hits.tsv")
        furl_json = os.path.join(work, "furl.json")
        sqlite_json = os.path.join(work, "sqlite.json")
        subprocess.run([numpy_python(), os.path.join(HERE, "gen_hits.py"), "--rows", str(args.rows),
                        "--workers", "1", "--out", tsv], check=True)

        status = furl_bench.main(["--furld", args.furld, "--tsv", tsv, "--repeat", "1", "--show", "-1",
                                  "--chunk-rows", str(max(args.rows // 3, 1)), "--json", furl_json])
        if status != 0:
            print("furl_bench.py failed", file=sys.stderr)
            return status
        if reference.main(["--tsv", tsv, "--results", furl_json, "--json", sqlite_json]) != 0:
            print("Furl's results differ from SQLite's", file=sys.stderr)
            return 1
        if compare.main([furl_json, sqlite_json]) != 0:
            print("compare.py found a disagreement that reference.py did not", file=sys.stderr)
            return 1
        return 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
