#!/usr/bin/env python3
"""Check Druid's SQL API, POST /druid/v2/sql, against a real furld.

Runs one query in every resultFormat (object, array, objectLines,
arrayLines, csv), with and without the header row. Checks the rows, the
Content-Type, timestamps as ISO 8601 strings, NULLs and CSV quoting, then
plain-text requests, dynamic parameters and error responses, as Druid's
SQL API documents them.

    python3 tests/integration/druid_sql.py [--furld build/bin/furld]
"""

import csv
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import Checks, FurlServer, QueryFailed  # noqa: E402

DRUID_PATH = "/druid/v2/sql"

ROWS = (
    '{"time": "2015-09-12T00:46:58.771Z", "channel": "#en.wikipedia", "page": "A", "added": 36, "cityName": null}\n'
    '{"time": "2015-09-12T01:00:00.000Z", "channel": "#ca.wikipedia", "page": "B, with comma", "added": 17, "cityName": "Barcelona"}\n'
    '{"time": "2015-09-12T02:30:00.500Z", "channel": "#en.wikipedia", "page": "C \\"quoted\\"", "added": -5, "cityName": null}\n'
)

SELECT_ALL = "SELECT time, channel, page, added, cityName FROM wiki_small ORDER BY time"
COLUMNS = ["time", "channel", "page", "added", "cityName"]
EXPECTED_ROWS = [
    ["2015-09-12T00:46:58.771Z", "#en.wikipedia", "A", 36, None],
    ["2015-09-12T01:00:00.000Z", "#ca.wikipedia", "B, with comma", 17, "Barcelona"],
    ["2015-09-12T02:30:00.500Z", "#en.wikipedia", 'C "quoted"', -5, None],
]
# Druid's csv writes NULL as an empty field and quotes only where needed.
EXPECTED_CSV_LINES = [
    "2015-09-12T00:46:58.771Z,#en.wikipedia,A,36,",
    '2015-09-12T01:00:00.000Z,#ca.wikipedia,"B, with comma",17,Barcelona',
    '2015-09-12T02:30:00.500Z,#en.wikipedia,"C ""quoted""",-5,',
]


def druid_request(server, payload, content_type="application/json"):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return server.request(body=body, path=DRUID_PATH, method="POST",
                          headers={"Content-Type": content_type})


def split_lines(body):
    """Non-empty lines of a line-oriented response, and whether it ended cleanly.

    Druid ends objectLines, arrayLines and csv with a newline (older versions
    with a blank line), so a missing final newline means a truncated response.
    """
    return [line for line in body.split("\n") if line != ""], body.endswith("\n")


def as_objects(rows):
    return [dict(zip(COLUMNS, row)) for row in rows]


def check_format(checks, server, result_format, header):
    name = f"druid.{result_format}" + (".header" if header else "")
    status, body, headers = druid_request(
        server, {"query": SELECT_ALL, "resultFormat": result_format, "header": header})
    if not checks.equal(f"{name}.status", 200, status):
        print(f"  body: {body.strip()[:500]!r}", flush=True)
        return
    content_type = (headers.get("Content-Type") or "").split(";")[0].strip()

    if result_format in ("object", "array"):
        checks.equal(f"{name}.content_type", "application/json", content_type)
        try:
            document = json.loads(body)
        except json.JSONDecodeError as error:
            checks.error(f"{name}.json", f"invalid JSON ({error}): {body[:300]!r}")
            return
        if result_format == "object":
            expected = as_objects(EXPECTED_ROWS)
            if header:
                expected = [{column: None for column in COLUMNS}] + expected
        else:
            expected = ([COLUMNS] if header else []) + EXPECTED_ROWS
        checks.equal(f"{name}.rows", expected, document)
        if result_format == "object" and isinstance(document, list) and document:
            checks.equal(f"{name}.key_order", COLUMNS, list(document[-1].keys()))
        return

    lines, complete = split_lines(body)
    checks.true(f"{name}.ends_with_newline", complete, f"body ends with {body[-20:]!r}")
    if result_format in ("objectLines", "arrayLines"):
        checks.equal(f"{name}.content_type", "text/plain", content_type)
        try:
            document = [json.loads(line) for line in lines]
        except json.JSONDecodeError as error:
            checks.error(f"{name}.json", f"invalid JSON line ({error}): {body[:300]!r}")
            return
        if result_format == "objectLines":
            expected = ([{column: None for column in COLUMNS}] if header else []) + as_objects(EXPECTED_ROWS)
        else:
            expected = ([COLUMNS] if header else []) + EXPECTED_ROWS
        checks.equal(f"{name}.rows", expected, document)
        return

    checks.equal(f"{name}.content_type", "text/csv", content_type)
    expected_lines = ([",".join(COLUMNS)] if header else []) + EXPECTED_CSV_LINES
    checks.equal(f"{name}.lines", expected_lines, lines)
    parsed = list(csv.reader(io.StringIO("\n".join(lines))))
    checks.equal(f"{name}.parsed", len(expected_lines), len(parsed))


def check_queries(checks, server):
    cases = [
        ("default_format_is_object",
         {"query": "SELECT channel, COUNT(*) AS edits, SUM(added) AS added FROM wiki_small "
                   "GROUP BY channel ORDER BY edits DESC"},
         [{"channel": "#en.wikipedia", "edits": 2, "added": 31},
          {"channel": "#ca.wikipedia", "edits": 1, "added": 17}]),
        ("quoted_identifiers",
         {"query": 'SELECT COUNT(*) AS "count" FROM "wiki_small" WHERE "channel" = \'#en.wikipedia\''},
         [{"count": 2}]),
        ("time_floor",
         {"query": "SELECT TIME_FLOOR(\"time\", 'PT1H') AS \"hour\", COUNT(*) AS edits FROM wiki_small "
                   "GROUP BY 1 ORDER BY 1"},
         [{"hour": "2015-09-12T00:00:00.000Z", "edits": 1},
          {"hour": "2015-09-12T01:00:00.000Z", "edits": 1},
          {"hour": "2015-09-12T02:00:00.000Z", "edits": 1}]),
        ("dynamic_parameters",
         {"query": "SELECT page FROM wiki_small WHERE channel = ? AND added > ? ORDER BY page",
          "parameters": [{"type": "VARCHAR", "value": "#en.wikipedia"},
                         {"type": "BIGINT", "value": -10}]},
         [{"page": "A"}, {"page": 'C "quoted"'}]),
        ("calcite_column_names",
         {"query": "SELECT channel, COUNT(*), SUM(added) AS added, MAX(added) + 1 FROM wiki_small "
                   "WHERE channel = '#ca.wikipedia' GROUP BY channel"},
         [{"channel": "#ca.wikipedia", "EXPR$1": 1, "added": 17, "EXPR$3": 18}]),
        ("empty_result",
         {"query": "SELECT page FROM wiki_small WHERE added > 1000", "resultFormat": "array"},
         []),
    ]
    for name, payload, expected in cases:
        status, body, _ = druid_request(server, payload)
        if not checks.equal(f"druid.{name}.status", 200, status):
            print(f"  body: {body.strip()[:500]!r}", flush=True)
            continue
        try:
            checks.equal(f"druid.{name}.rows", expected, json.loads(body))
        except json.JSONDecodeError as error:
            checks.error(f"druid.{name}.rows", f"invalid JSON ({error}): {body[:300]!r}")

    # A plain-text body is the SQL itself; the result is in the object format.
    status, body, _ = druid_request(server, "SELECT COUNT(*) AS c FROM wiki_small", "text/plain")
    try:
        document = json.loads(body)
    except json.JSONDecodeError:
        document = body
    checks.equal("druid.text_plain_request", (200, [{"c": 3}]), (status, document))

    # Druid's JSON leaves '/' unescaped, unlike ClickHouse's default.
    status, body, _ = druid_request(server, {"query": "SELECT 'a/b' AS \"x/y\""})
    checks.equal("druid.forward_slash", (200, '[{"x/y":"a/b"}]'), (status, body.strip()))

    # The query id from the context comes back in a response header.
    status, _, headers = druid_request(
        server, {"query": "SELECT 1 AS one", "context": {"sqlQueryId": "furl-test-query-1"}})
    checks.equal("druid.query_id_header", (200, "furl-test-query-1"),
                 (status, headers.get("X-Druid-SQL-Query-Id")))


def check_errors(checks, server):
    cases = [
        ("syntax_error", {"query": "SELEC 1"}, None),
        ("unknown_table", {"query": "SELECT * FROM no_such_table"}, "no_such_table"),
        ("unknown_column", {"query": "SELECT no_such_column FROM wiki_small"}, "no_such_column"),
        ("unknown_result_format", {"query": "SELECT 1", "resultFormat": "yaml"}, "yaml"),
        ("missing_query", {"resultFormat": "object"}, "query"),
        ("invalid_json_body", '{"query": "SELECT 1"', None),
    ]
    for name, payload, mention in cases:
        status, body, _ = druid_request(server, payload)
        name = f"druid.error.{name}"
        if not checks.true(f"{name}.status_4xx", 400 <= status < 500,
                           f"HTTP {status}: {body.strip()[:300]!r}"):
            continue
        try:
            document = json.loads(body)
        except json.JSONDecodeError:
            checks.error(f"{name}.json", f"error body is not JSON: {body.strip()[:300]!r}")
            continue
        checks.true(f"{name}.error_fields",
                    isinstance(document, dict) and "error" in document and "errorMessage" in document,
                    f"expected 'error' and 'errorMessage' keys: {document!r}")
        if mention:
            checks.true(f"{name}.names_problem", mention.lower() in body.lower(),
                        f"error does not mention {mention!r}: {body.strip()[:300]!r}")


def main():
    server = FurlServer.from_args(description=__doc__.split("\n\n")[0])
    checks = Checks("druid_sql")
    with server:
        try:
            server.query("CREATE TABLE wiki_small (time DateTime64(3), channel String, page String, "
                         "added Int64, cityName Nullable(String)) ENGINE = MergeTree ORDER BY time")
            server.insert_json_each_row("wiki_small", ROWS)
        except QueryFailed as error:
            checks.error("setup", error)
            return checks.finish()

        for result_format in ("object", "array", "objectLines", "arrayLines", "csv"):
            for header in (False, True):
                check_format(checks, server, result_format, header)
        check_queries(checks, server)
        check_errors(checks, server)

        status, body, _ = server.request(path="/ping")
        checks.equal("druid.server_still_answers", (200, "Ok.\n"), (status, body))
        if checks.failed:
            print(server.log_tail(), file=sys.stderr)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
