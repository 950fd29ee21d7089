#!/usr/bin/env python3
"""Time the peers' JSON load of hits rows in CPU seconds, beside Furl's Kafka bench.

    python3 bench/ingest/throughput/peer_json_cpu.py --json /tmp/hits_1M.json
    python3 bench/ingest/throughput/peer_json_cpu.py --json FILE --engines chdb --repeat 3

run.py compares Furl's events per furld CPU second with a peer's JSON load
rate given on its command line (by default chDB's 179,000 rows/s on 2 cores,
measured on another day, in wall time, assuming both cores were busy). This
script measures the peers the way Furl is measured, on this machine and at
this time: it runs the peers' JSON load statements (chDB: INSERT ... SELECT
FROM file(..., JSONEachRow); DuckDB: read_json with the table's column
types) in a fresh node process and reads that process's user + system CPU
time from wait4(). The start-up of node and the engine is included (0.4 CPU
seconds for chDB when measured here).

The JSON file must hold JSONEachRow rows from gen_hits.py (run.py writes
one with --dataset hits; ../shared/peers/hits/gen_hits.py --format
jsoneachrow writes the same rows). The peer scripts come from PEERS
(/tmp/peers), copied from ../shared/peers when missing; their node
packages must be installed (npm ci in chdb/ and duckdb/).

The last line per engine is

    peer-json-cpu engine=chdb rows=... wall_s=... cpu_s=... rows_per_s=... rows_per_cpu_s=...

and a final line names the best rows per CPU second and three times it:
the ingest goal (three times the best peer per core) measured side by side.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SHARED_PEERS = os.path.join(REPO_ROOT, "..", "shared", "peers")

# A column line of create.duckdb.sql, e.g. "    WatchID BIGINT NOT NULL,".
DUCKDB_COLUMN = re.compile(r"^ +([A-Za-z0-9]+) ([A-Za-z]+(\([0-9]+\))?)")


def peers_dir(path):
    if not os.path.isdir(path):
        if not os.path.isdir(SHARED_PEERS):
            sys.exit(f"no peer scripts in {path} or {SHARED_PEERS}; pass --peers DIR")
        shutil.copytree(SHARED_PEERS, path)
        subprocess.run(["chmod", "-R", "u+w", path], check=True)
    return path


def chdb_statements(peers, json_name):
    with open(os.path.join(peers, "hits", "create.clickhouse.sql")) as f:
        create = f.read()
    return (create + "\n-- [load]\n"
            f"INSERT INTO hits SELECT * FROM file('{json_name}', JSONEachRow);\n"
            "-- [count]\nSELECT count() FROM hits;\n")


def duckdb_statements(peers, json_name):
    with open(os.path.join(peers, "hits", "create.duckdb.sql")) as f:
        create = f.read()
    columns = []
    for line in create.splitlines():
        m = DUCKDB_COLUMN.match(line)
        if m and m.group(1).upper() != "CREATE":
            columns.append(f"{m.group(1)}: '{m.group(2)}'")
    return (create + "\n-- [load]\n"
            f"INSERT INTO hits SELECT * FROM read_json('{json_name}', format = 'newline_delimited', "
            f"columns = {{{', '.join(columns)}}});\n"
            "-- [count]\nSELECT count(*) FROM hits;\n")


def run_measured(command, cwd, timeout):
    """Run command and return (wall seconds, user + system CPU seconds, stdout)."""
    start = time.monotonic()
    with open(os.path.join(cwd, "out.txt"), "w") as out:
        proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                proc.kill()
                os.wait4(proc.pid, 0)
                raise RuntimeError(f"{command[1]} did not finish within {timeout} s")
            time.sleep(0.05)
    wall = time.monotonic() - start
    with open(os.path.join(cwd, "out.txt")) as f:
        text = f.read()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {code}:\n{text[-2000:]}")
    return wall, usage.ru_utime + usage.ru_stime, text


def loaded_rows(text):
    """Return the row count printed for the [count] statement (run.mjs --show 1)."""
    numbers = re.findall(r"^\s*(\d+)\s*$", text, re.MULTILINE)
    if not numbers:
        raise RuntimeError(f"no row count in the peer's output:\n{text[-2000:]}")
    return int(numbers[-1])


def measure(engine, peers, json_path, work, timeout):
    json_name = os.path.basename(json_path)
    link = os.path.join(work, json_name)
    if not os.path.exists(link):
        os.symlink(os.path.abspath(json_path), link)
    sql = os.path.join(work, f"{engine}_json_load.sql")
    statements = chdb_statements if engine == "chdb" else duckdb_statements
    with open(sql, "w") as f:
        f.write(statements(peers, json_name))
    if engine == "chdb":
        data = [os.path.join(work, "chdb_json")]
        command = ["node", os.path.join(peers, "chdb", "run.mjs"), "chdb_json", sql, "--show", "1"]
    else:
        db = os.path.join(work, "hits_json.duckdb")
        data = [db, db + ".wal"]
        command = ["node", os.path.join(peers, "duckdb", "run.mjs"), db, sql, "--show", "1"]

    def remove_data():
        for path in data:
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif os.path.exists(path):
                os.remove(path)

    remove_data()
    try:
        wall, cpu, text = run_measured(command, work, timeout)
    finally:
        remove_data()
    return wall, cpu, loaded_rows(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", required=True, help="JSONEachRow rows of hits (gen_hits.py)")
    parser.add_argument("--engines", default="chdb,duckdb", help="comma-separated: chdb, duckdb [chdb,duckdb]")
    parser.add_argument("--repeat", type=int, default=1, help="loads per engine; the least CPU counts [1]")
    parser.add_argument("--peers", default="/tmp/peers", help="the peer scripts [/tmp/peers]")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per load [900]")
    args = parser.parse_args()

    if not os.path.isfile(args.json):
        sys.exit(f"no JSON file {args.json}; write one with run.py --dataset hits or gen_hits.py")
    peers = peers_dir(args.peers)
    best = None
    with tempfile.TemporaryDirectory(prefix="furl-peer-json-") as work:
        for engine in args.engines.split(","):
            if engine not in ("chdb", "duckdb"):
                sys.exit(f"unknown engine '{engine}'; use chdb or duckdb")
            runs = [measure(engine, peers, args.json, work, args.timeout) for _ in range(args.repeat)]
            wall, cpu, rows = min(runs, key=lambda run: run[1])
            print(f"peer-json-cpu engine={engine} rows={rows} wall_s={wall:.2f} cpu_s={cpu:.2f} "
                  f"rows_per_s={rows / wall:.0f} rows_per_cpu_s={rows / cpu:.0f}", flush=True)
            if best is None or rows / cpu > best[1]:
                best = (engine, rows / cpu)
    print(f"peer-json-cpu best={best[0]} rows_per_cpu_s={best[1]:.0f} goal_3x={3 * best[1]:.0f}")


if __name__ == "__main__":
    main()
