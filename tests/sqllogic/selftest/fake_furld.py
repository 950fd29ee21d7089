#!/usr/bin/env python3
"""A stand-in for furld that returns fixed results for a few statements, so the
sqllogictest runner and the server launcher can be tested without the engine.

    fake_furld.py --data-dir DIR --http-port PORT

It speaks just enough of ClickHouse's HTTP dialect: GET /ping, SQL in the
POST body, TSV results, and errors as `Code: N. DB::Exception: ...`.
"""

import argparse
import http.server
import os
import signal
import sys

# SQL text (whitespace collapsed) -> (HTTP status, response body).
ANSWERS = {
    "CREATE TABLE t (x Int64) ENGINE = MergeTree ORDER BY x": (200, ""),
    "SELECT 1": (200, "1\n"),
    "SELECT 'a', NULL, ''": (200, "a\t\\N\t\n"),
    "SELECT x FROM t": (200, "3\n1\n2\n"),
    "SELECT 1 = 1": (200, "true\n"),
    "SELECT 1 / 3": (200, "0.3333333333333333\n"),
    "SELECT count(*) FROM t WHERE x > 5": (200, "0\n"),
    "SELECT x FROM t WHERE x > 5": (200, ""),
    "SELEC 1": (400, "Code: 62. DB::Exception: Syntax error: failed at position 1 ('SELEC'). (SYNTAX_ERROR)\n"),
    "SELECT y FROM t": (404, "Code: 47. DB::Exception: unknown column 'y' in table t. (UNKNOWN_IDENTIFIER)\n"),
}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def reply(self, status, body):
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/tab-separated-values; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ping":
            self.reply(200, "Ok.\n")
        else:
            self.reply(404, "Code: 0. DB::Exception: not found\n")

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        sql = " ".join(self.rfile.read(length).decode("utf-8").split())
        status, body = ANSWERS.get(
            sql, (400, f"Code: 62. DB::Exception: the fake server has no answer for {sql!r}\n"))
        self.reply(status, body)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--http-port", type=int, required=True)
    parser.add_argument("--native-port", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.data_dir, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.http_port), Handler)
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
    server.serve_forever()


if __name__ == "__main__":
    main()
