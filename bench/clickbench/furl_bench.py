#!/usr/bin/env python3
"""Load ClickBench's `hits` table into Furl and time the 43 queries.

    python3 bench/clickbench/furl_bench.py --tsv hits.tsv --json furl.json
    python3 bench/clickbench/furl_bench.py --port 8123 --skip-load --json furl.json

Without --port it starts build/bin/furld (or --furld) on free loopback ports
with its data in --data-dir (default: a temporary directory, removed at the
end) and stops it by PID when done. The table comes from create.sql, the
CREATE TABLE statement ClickBench publishes for ClickHouse, and the queries
from queries.sql, ClickBench's ClickHouse queries; both are used unchanged.

Loading sends the TSV file in chunks of --chunk-rows rows, each as one
`INSERT INTO hits FORMAT TabSeparated` over HTTP. Every query runs --repeat
times (default 3) and the JSON keeps all times and the best one, in the
format of the peer scripts (engine, version, queries: [{label, sql,
times_ms, best_ms, rows, columns, result}]), so compare.py reads both.
"""

import argparse
import http.client
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests", "integration"))

from furl_testlib import FurlServer  # noqa: E402


class QueryError(Exception):
    """Raised when furld returns an HTTP error status."""


def split_sql(text):
    """Split a SQL file into statements at ';' outside quotes and '--' comments.

    Backslash escapes inside quotes are honoured, as in ClickHouse, so
    '\\1' stays one literal.
    """
    statements = []
    current = []
    i = 0
    while i < len(text):
        c = text[i]
        if text.startswith("--", i):
            end = text.find("\n", i)
            i = len(text) if end < 0 else end + 1
            current.append("\n")
            continue
        if c in ("'", '"', "`"):
            j = i + 1
            while j < len(text):
                if text[j] == "\\":
                    j += 2
                    continue
                if text[j] == c:
                    break
                j += 1
            current.append(text[i:j + 1])
            i = j + 1
            continue
        if c == ";":
            statement = "".join(current).strip()
            if statement:
                statements.append(statement)
            current = []
            i += 1
            continue
        current.append(c)
        i += 1
    statement = "".join(current).strip()
    if statement:
        statements.append(statement)
    return statements


def unescape_tsv(value):
    """Undo ClickHouse's TabSeparated escaping of one field."""
    if "\\" not in value:
        return value
    out = []
    i = 0
    escapes = {"b": "\b", "f": "\f", "r": "\r", "n": "\n", "t": "\t", "0": "\0", "'": "'", "\\": "\\"}
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            out.append(escapes.get(value[i + 1], "\\" + value[i + 1]))
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


class FurlConnection:
    """HTTP connection to one furld, kept alive between statements."""

    def __init__(self, host, port, timeout_s):
        self.host = host
        self.port = port
        self.timeout_s = timeout_s
        self.connection = http.client.HTTPConnection(host, port, timeout=timeout_s)

    def execute(self, sql, body=None, params=None):
        """Run one statement and return the response body as bytes.

        With `body`, the statement goes in the URL (as `INSERT ... FORMAT X`
        needs) and `body` is the data.
        """
        query = dict(params or {})
        if body is None:
            payload = sql.encode("utf-8")
        else:
            query["query"] = sql
            payload = body
        path = "/?" + urllib.parse.urlencode(query) if query else "/"
        for attempt in range(2):
            try:
                self.connection.request("POST", path, body=payload)
                response = self.connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # The server may close an idle keep-alive connection; reconnect once.
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout_s)
                if attempt == 1:
                    raise
        if response.status != 200:
            message = data.decode("utf-8", "replace").strip().split("\n")[0]
            raise QueryError(f"HTTP {response.status}: {message}")
        return data

    def select_rows(self, sql):
        """Run a SELECT and return (column names, rows of strings)."""
        text = self.execute(sql, params={"default_format": "TabSeparatedWithNames"}).decode("utf-8")
        lines = text.split("\n")
        if lines and lines[-1] == "":
            lines.pop()
        if not lines:
            return [], []
        columns = [unescape_tsv(c) for c in lines[0].split("\t")]
        rows = [[unescape_tsv(v) for v in line.split("\t")] for line in lines[1:]]
        return columns, rows


def read_chunks(path, chunk_rows):
    """Yield (bytes, row count) pieces of a TSV file of at most chunk_rows lines each."""
    with open(path, "rb") as tsv:
        while True:
            lines = []
            for _ in range(chunk_rows):
                line = tsv.readline()
                if not line:
                    break
                lines.append(line)
            if not lines:
                return
            yield b"".join(lines), len(lines)


def directory_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                pass  # a merge removed it meanwhile
    return total


def load(connection, create_sql, tsv_path, chunk_rows, log):
    """Create `hits` and insert the TSV file; return the load figures."""
    connection.execute("DROP TABLE IF EXISTS hits")
    for statement in split_sql(create_sql):
        connection.execute(statement)
    rows = 0
    started = time.perf_counter()
    for chunk, count in read_chunks(tsv_path, chunk_rows):
        connection.execute("INSERT INTO hits FORMAT TabSeparated", body=chunk)
        rows += count
        log(f"loaded {rows:,} rows, {rows / (time.perf_counter() - started):,.0f} rows/s")
    seconds = time.perf_counter() - started
    _, counted = connection.select_rows("SELECT count(*) FROM hits")
    if int(counted[0][0]) != rows:
        raise QueryError(f"hits has {counted[0][0]} rows after loading {rows} rows from {tsv_path}")
    return {"rows": rows, "load_s": round(seconds, 3), "rows_per_s": round(rows / seconds) if seconds else None}


def run_queries(connection, statements, repeat, show, log):
    """Run each statement `repeat` times and return the per-query report."""
    report = []
    for number, sql in enumerate(statements, start=1):
        label = f"Q{number}"
        entry = {"label": label, "sql": sql}
        times = []
        try:
            for _ in range(repeat):
                started = time.perf_counter()
                columns, rows = connection.select_rows(sql)
                times.append((time.perf_counter() - started) * 1000)
        except (QueryError, OSError, http.client.HTTPException) as error:
            entry["times_ms"] = [round(t, 2) for t in times]
            entry["error"] = str(error)
            log(f"{label}\tERROR\t{error}")
            report.append(entry)
            continue
        entry.update(times_ms=[round(t, 2) for t in times], best_ms=round(min(times), 2),
                     rows=len(rows), columns=columns,
                     result=rows if show < 0 else rows[:show])
        log(f"{label}\t" + "\t".join(f"{t:.1f}" for t in times) + f"\tbest_ms={min(times):.1f}\trows={len(rows)}")
        report.append(entry)
    return report


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--furld", default=os.path.join(REPO_ROOT, "build", "bin", "furld"),
                        help="furld binary to start (default: build/bin/furld)")
    parser.add_argument("--port", type=int, help="HTTP port of a running furld; no server is started")
    parser.add_argument("--data-dir", help="data directory of the started furld (default: temporary, removed)")
    parser.add_argument("--tsv", help="TabSeparated file of hits rows to load")
    parser.add_argument("--skip-load", action="store_true", help="query the hits table that exists")
    parser.add_argument("--create", default=os.path.join(HERE, "create.sql"), help="CREATE TABLE file")
    parser.add_argument("--queries", default=os.path.join(HERE, "queries.sql"), help="query file")
    parser.add_argument("--chunk-rows", type=int, default=1_000_000,
                        help="rows per INSERT statement (default 1000000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each query (default 3)")
    parser.add_argument("--show", type=int, default=10,
                        help="result rows kept in the JSON per query (default 10; -1 keeps all)")
    parser.add_argument("--only", help="comma-separated query numbers to run, e.g. 1,29")
    parser.add_argument("--json", help="write the report to this file")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per request (default 3600)")
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    args = parser.parse_args(argv)
    if not args.skip_load and not args.tsv:
        parser.error("--tsv FILE is required unless --skip-load is given")
    return args


def main(argv=None):
    args = parse_args(argv)
    log = (lambda message: None) if args.quiet else (lambda message: print(message, flush=True))

    server = None
    temporary_dir = None
    if args.port is None:
        data_dir = args.data_dir
        if data_dir is None:
            temporary_dir = tempfile.mkdtemp(prefix="furl-clickbench-")
            data_dir = os.path.join(temporary_dir, "data")
        server = FurlServer(furld=args.furld, data_dir=data_dir, startup_timeout_s=120).start()
        port = server.port
    else:
        data_dir = args.data_dir
        port = args.port

    try:
        connection = FurlConnection("127.0.0.1", port, args.timeout)
        version = connection.execute("SELECT version()").decode().strip()
        report = {"engine": "furl", "version": version}

        if not args.skip_load:
            with open(args.create, encoding="utf-8") as create_file:
                create_sql = create_file.read()
            report["load"] = load(connection, create_sql, args.tsv, args.chunk_rows, log)
            if data_dir:
                report["load"]["du_bytes"] = directory_bytes(data_dir)
            log("load: " + json.dumps(report["load"]))

        with open(args.queries, encoding="utf-8") as query_file:
            statements = split_sql(query_file.read())
        if args.only:
            wanted = {int(n) for n in args.only.split(",")}
            selected = [(n, s) for n, s in enumerate(statements, start=1) if n in wanted]
        else:
            selected = list(enumerate(statements, start=1))
        log(f"# furl {version} port={port} statements={len(selected)} repeat={args.repeat}")
        queries = run_queries(connection, [s for _, s in selected], args.repeat, args.show, log)
        for (number, _), entry in zip(selected, queries):
            entry["label"] = f"Q{number}"
        report.update(file=os.path.basename(args.queries), repeat=args.repeat, queries=queries)

        if args.json:
            with open(args.json, "w", encoding="utf-8") as out:
                json.dump(report, out, indent=1, ensure_ascii=False)
        failed = [q["label"] for q in queries if "error" in q]
        if failed:
            print(f"# failed: {' '.join(failed)}", file=sys.stderr)
            return 1
        return 0
    finally:
        if server is not None:
            server.close()
        if temporary_dir is not None:
            shutil.rmtree(temporary_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
