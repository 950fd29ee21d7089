#!/usr/bin/env python3
"""Check the human-readable output formats and HTTP setting handling.

Pretty, PrettyCompact, PrettySpace, their MonoBlock and NoEscapes variants
and Vertical must draw ClickHouse's layouts: box-drawing characters,
numbers and their names right-aligned, NULL as ᴺᵁᴸᴸ, one table per result
batch unless MonoBlock. Over HTTP, an unknown URL setting must fail with
UNKNOWN_SETTING (115), a client setting without effect must pass with an
X-Furl-Warnings header, and result_overflow_mode=break must return whole
batches up to max_result_rows.

    python3 tests/integration/pretty_formats.py [--furld build/bin/furld]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import Checks, FurlServer, QueryFailed  # noqa: E402

QUERY = "SELECT id, name, score FROM people ORDER BY id"

PRETTY = (
    "┏━━━━┳━━━━━━━┳━━━━━━━┓\n"
    "┃ id ┃ name  ┃ score ┃\n"
    "┡━━━━╇━━━━━━━╇━━━━━━━┩\n"
    "│  1 │ alice │   1.5 │\n"
    "├────┼───────┼───────┤\n"
    "│ 20 │ bob   │  ᴺᵁᴸᴸ │\n"
    "└────┴───────┴───────┘\n"
)

PRETTY_COMPACT = (
    "┌─id─┬─name──┬─score─┐\n"
    "│  1 │ alice │   1.5 │\n"
    "│ 20 │ bob   │  ᴺᵁᴸᴸ │\n"
    "└────┴───────┴───────┘\n"
)

PRETTY_SPACE = (
    " id   name    score\n"
    "\n"
    "  1   alice     1.5 \n"
    " 20   bob      ᴺᵁᴸᴸ \n"
)

VERTICAL = (
    "Row 1:\n"
    "──────\n"
    "id:    1\n"
    "name:  alice\n"
    "score: 1.5\n"
    "\n"
    "Row 2:\n"
    "──────\n"
    "id:    20\n"
    "name:  bob\n"
    "score: ᴺᵁᴸᴸ\n"
)


def check_formats(checks, server):
    expected = {
        "Pretty": PRETTY,
        "PrettyNoEscapes": PRETTY,
        "PrettyMonoBlock": PRETTY,
        "PrettyCompact": PRETTY_COMPACT,
        "PrettyCompactMonoBlock": PRETTY_COMPACT,
        "PrettyCompactNoEscapes": PRETTY_COMPACT,
        "PrettySpace": PRETTY_SPACE,
        "PrettySpaceNoEscapes": PRETTY_SPACE,
        "Vertical": VERTICAL,
    }
    for name, text in expected.items():
        status, body, headers = server.request(f"{QUERY} FORMAT {name}")
        checks.equal(f"format.{name}", (200, text), (status, body))
        checks.equal(f"format.{name}.content_type", "text/plain; charset=UTF-8", headers.get("Content-Type"))


def check_blocks(checks, server):
    # numbers(N) yields one batch per 65536 rows, and Pretty draws one table
    # per batch unless MonoBlock asks for one.
    sql = "SELECT number FROM numbers(140000) WHERE number % 20000 = 0"
    body = server.query(f"{sql} FORMAT PrettyCompact")
    checks.equal("blocks.table_per_batch", 2, body.count("┌─"))
    body = server.query(f"{sql} FORMAT PrettyCompactMonoBlock")
    checks.equal("blocks.mono_block", 1, body.count("┌─"))
    checks.equal("blocks.mono_block_rows", 7, body.count("│ "))


def check_settings(checks, server):
    status, body, headers = server.request("SELECT 1", params={"max_result_rowz": "1"})
    checks.equal("settings.unknown.status", 400, status)
    checks.equal("settings.unknown.code", "115", headers.get("X-ClickHouse-Exception-Code"))
    checks.true("settings.unknown.suggestion", "did you mean 'max_result_rows'" in body, body)

    status, body, headers = server.request("SELECT 1", params={"wait_end_of_query": "1"})
    checks.equal("settings.client_setting.accepted", (200, "1\n"), (status, body))
    checks.true("settings.client_setting.warning", "wait_end_of_query" in (headers.get("X-Furl-Warnings") or ""),
                str(dict(headers)))

    # break keeps whole batches: at least the limit, fewer than all rows.
    status, body, _ = server.request("SELECT number FROM numbers(1000000)",
                                     params={"max_result_rows": "10", "result_overflow_mode": "break"})
    rows = body.count("\n")
    checks.true("settings.break.status", status == 200, body[:300])
    checks.true("settings.break.rows", 10 <= rows < 1000000, f"{rows} rows")

    status, body, headers = server.request("SELECT number FROM numbers(1000000)", params={"max_result_rows": "10"})
    checks.equal("settings.throw.code", "396", headers.get("X-ClickHouse-Exception-Code"))

    status, body, headers = server.request("SELECT sum(number) FROM numbers(1000000000000)",
                                           params={"max_execution_time": "0.2"})
    checks.equal("settings.timeout.code", "159", headers.get("X-ClickHouse-Exception-Code"))
    checks.equal("settings.timeout.server_responds", "1\n", server.query("SELECT 1"))


def main():
    server = FurlServer.from_args(description=__doc__.split("\n\n")[0])
    checks = Checks("pretty_formats")
    with server:
        try:
            server.query("CREATE TABLE people (id Int64, name String, score Nullable(Float64)) "
                         "ENGINE = MergeTree ORDER BY id")
            server.query("INSERT INTO people VALUES (1, 'alice', 1.5), (20, 'bob', NULL)")
        except QueryFailed as error:
            checks.error("setup", error)
            return checks.finish()
        check_formats(checks, server)
        check_blocks(checks, server)
        check_settings(checks, server)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
