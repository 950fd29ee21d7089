#!/usr/bin/env python3
"""Check that bad requests get a clear 4xx error and harm nothing.

Malformed INSERT bodies (invalid JSON, wrong types, truncated), invalid SQL,
unknown tables and formats each must get an HTTP 4xx status with a
ClickHouse-style body (`Code: N. DB::Exception: message`) that names the
problem. Afterwards the server must still respond, and the rows inserted
before must be intact, because a failed INSERT stores none of its rows.

    python3 tests/integration/errors.py [--furld build/bin/furld]
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import Checks, FurlServer, QueryFailed  # noqa: E402

CLICKHOUSE_ERROR = re.compile(r"^Code: (\d+)\. DB::Exception: (.+)", re.DOTALL)

GOOD_ROWS = (
    '{"id": 1, "name": "alpha", "score": 0.5, "t": "2015-09-12T00:46:58.771Z"}\n'
    '{"id": 2, "name": "beta", "score": null, "t": "2015-09-12 01:00:00"}\n'
    '{"id": 3, "name": "gamma", "score": -2, "t": "2015-09-12T02:00:00Z"}\n'
)
INSERT_JSON = "INSERT INTO events FORMAT JSONEachRow"


class Case:
    """One bad request and what its error message must mention.

    `mentions` are alternatives: the message must contain at least one of
    them, compared without regard to case.
    """

    def __init__(self, name, sql, body=None, mentions=(), position=None):
        self.name = name
        self.sql = sql
        self.body = body
        self.mentions = mentions
        self.position = position  # a regex for where in the input the error is


CASES = [
    Case("invalid_json", INSERT_JSON,
         body='{"id": 4, "name": "delta", "score": 1.0, "t": "2015-09-12 03:00:00"}\n'
              '{"id": 5, "name": "epsilon" "score": 1.0}\n',
         mentions=("json", "parse", "expected"), position=r"(row|line) 2\b"),
    Case("not_an_object", INSERT_JSON, body="[1, 2, 3]\n",
         mentions=("json", "object", "parse", "expected")),
    Case("string_for_integer", INSERT_JSON,
         body='{"id": "four", "name": "delta", "score": 1.0, "t": "2015-09-12 03:00:00"}\n',
         mentions=("id",)),
    Case("integer_out_of_range", INSERT_JSON,
         body='{"id": 99999999999999999999, "name": "delta", "score": 1.0, "t": "2015-09-12 03:00:00"}\n',
         mentions=("id", "range", "overflow")),
    Case("invalid_time", INSERT_JSON,
         body='{"id": 4, "name": "delta", "score": 1.0, "t": "yesterday at noon"}\n',
         mentions=("yesterday", "'t'", "`t`", '"t"', "column t")),
    Case("truncated_body", INSERT_JSON,
         body='{"id": 4, "name": "delta", "score": 1.0, "t": "2015-09-12 03:00:00"}\n'
              '{"id": 5, "name": "eps',
         mentions=("json", "end", "truncated", "unexpected", "parse"), position=r"(row|line) 2\b"),
    Case("good_rows_then_bad_row", INSERT_JSON,
         body='{"id": 4, "name": "delta", "score": 1.0, "t": "2015-09-12 03:00:00"}\n'
              '{"id": 5, "name": "epsilon", "score": 2.0, "t": "2015-09-12 04:00:00"}\n'
              '{"id": 6, "name": "zeta", "score": "high", "t": "2015-09-12 05:00:00"}\n',
         mentions=("score",), position=r"(row|line) 3\b"),
    Case("unknown_format", "INSERT INTO events FORMAT NoSuchFormat",
         body='{"id": 4}\n', mentions=("NoSuchFormat",)),
    Case("insert_unknown_table", "INSERT INTO no_such_table FORMAT JSONEachRow",
         body='{"id": 4}\n', mentions=("no_such_table",)),
    Case("insert_values_wrong_type", "INSERT INTO events VALUES (4, 'delta', 'high', '2015-09-12 03:00:00')",
         mentions=("score", "high", "Float64")),
    Case("syntax_error", "SELEC id FROM events", mentions=("syntax error",)),
    Case("syntax_error_unclosed", "SELECT (id FROM events", mentions=("syntax error",)),
    Case("unknown_table", "SELECT * FROM no_such_table", mentions=("no_such_table",)),
    Case("unknown_column", "SELECT no_such_column FROM events", mentions=("no_such_column",)),
    Case("unknown_function", "SELECT no_such_function(id) FROM events", mentions=("no_such_function",)),
    Case("empty_query", "", mentions=("empty",)),
]


def check_case(checks, server, case):
    status, body, headers = server.request(case.sql, body=case.body)
    name = f"error.{case.name}"
    if not checks.true(f"{name}.status_4xx", 400 <= status < 500,
                       f"HTTP {status}, body: {body.strip()[:500]!r}"):
        return
    match = CLICKHOUSE_ERROR.match(body)
    if not checks.true(f"{name}.clickhouse_format", match is not None,
                       f"body is not 'Code: N. DB::Exception: ...': {body.strip()[:500]!r}"):
        return
    message = match.group(2)
    if case.mentions:
        checks.true(f"{name}.names_problem",
                    any(word.lower() in message.lower() for word in case.mentions),
                    f"message mentions none of {list(case.mentions)}: {message.strip()[:500]!r}")
    if case.position:
        checks.true(f"{name}.names_position", re.search(case.position, message) is not None,
                    f"message does not say where ({case.position}): {message.strip()[:500]!r}")
    header_code = headers.get("X-ClickHouse-Exception-Code")
    checks.equal(f"{name}.exception_code_header", match.group(1), header_code)


def main():
    server = FurlServer.from_args(description=__doc__.split("\n\n")[0])
    checks = Checks("errors")
    with server:
        try:
            server.query("CREATE TABLE events (id Int64, name String, score Nullable(Float64), "
                         "t DateTime64(3)) ENGINE = MergeTree ORDER BY id")
            server.insert_json_each_row("events", GOOD_ROWS)
            before = server.query_rows("SELECT count(*), sum(id), min(t), max(t) FROM events")
        except QueryFailed as error:
            checks.error("setup", error)
            return checks.finish()
        checks.equal("setup.rows", [["3", "6", "2015-09-12 00:46:58.771", "2015-09-12 02:00:00.000"]],
                     before)

        for case in CASES:
            check_case(checks, server, case)

        # GET only reads, as in ClickHouse; so does the readonly setting.
        status, body, _ = server.request(path="/?query=DROP%20TABLE%20events", method="GET")
        checks.true("readonly.get_drop_rejected", status == 400 and body.startswith("Code: 164."),
                    f"status {status}: {body}")
        status, body, _ = server.request("INSERT INTO events VALUES (9, 'x', 1, '2015-09-12 00:00:00')",
                                         params={"readonly": "1"})
        checks.true("readonly.setting_rejects_insert", status == 400 and "read-only" in body,
                    f"status {status}: {body}")
        status, body, _ = server.request(path="/?query=SELECT%20count(*)%20FROM%20events", method="GET")
        checks.equal("readonly.get_select_works", (200, "3\n"), (status, body))

        status, body, _ = server.request(path="/ping")
        checks.equal("after.ping", (200, "Ok.\n"), (status, body))
        try:
            checks.equal("after.select_1", [["1"]], server.query_rows("SELECT 1"))
            checks.equal("after.rows_intact", before,
                         server.query_rows("SELECT count(*), sum(id), min(t), max(t) FROM events"))
            server.insert_json_each_row(
                "events", '{"id": 10, "name": "later", "score": 3, "t": "2015-09-13 00:00:00"}\n')
            checks.equal("after.insert_works", [["4", "16"]],
                         server.query_rows("SELECT count(*), sum(id) FROM events"))
        except QueryFailed as error:
            checks.error("after", error)
        if checks.failed:
            print(server.log_tail(), file=sys.stderr)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
