#!/usr/bin/env python3
"""Check request-level ClickHouse HTTP behaviour against a real furld.

A statement's own SETTINGS clause or SET cannot lift the readonly level of
the request, and the current database comes from `?database=` or the
X-ClickHouse-Database header, as in ClickHouse.

    python3 tests/integration/clickhouse_http_compat.py [--furld build/bin/furld]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import Checks, FurlServer, QueryFailed  # noqa: E402


def check_readonly(checks, server):
    insert = "INSERT INTO users SETTINGS readonly = 0 VALUES (2, 'bob')"
    status, body, _ = server.request(insert, params={"readonly": "1"})
    checks.equal("readonly.settings_clause.status", 400, status)
    checks.true("readonly.settings_clause.message",
                body.startswith("Code: 164.") and "cannot change setting 'readonly'" in body, body)

    status, body, _ = server.request("SET readonly = 0", params={"readonly": "1"})
    checks.true("readonly.set_statement", status == 400 and body.startswith("Code: 164."),
                f"status {status}: {body}")

    # readonly = 1 allows no setting changes, readonly = 2 all but readonly.
    select = "SELECT count(*) FROM users SETTINGS max_threads = 1"
    status, body, _ = server.request(select, params={"readonly": "1"})
    checks.true("readonly.level1_other_setting", status == 400 and "max_threads" in body,
                f"status {status}: {body}")
    status, body, _ = server.request(select, params={"readonly": "2"})
    checks.equal("readonly.level2_other_setting", (200, "1\n"), (status, body))
    status, body, _ = server.request(insert, params={"readonly": "2"})
    checks.true("readonly.level2_readonly_setting", status == 400 and body.startswith("Code: 164."),
                f"status {status}: {body}")

    # The same value as the request's is no change.
    status, body, _ = server.request("SELECT count(*) FROM users SETTINGS readonly = 1",
                                     params={"readonly": "1"})
    checks.equal("readonly.same_value", (200, "1\n"), (status, body))

    checks.equal("readonly.rows_unchanged", [["1"]], server.query_rows("SELECT count(*) FROM users"))


def check_database(checks, server):
    for name, params, headers in [
        ("param", {"database": "system"}, {}),
        ("header", {}, {"X-ClickHouse-Database": "system"}),
    ]:
        status, body, _ = server.request("SELECT name FROM tables WHERE name = 'users'",
                                         params=params, headers=headers)
        checks.equal(f"database.{name}.system_tables", (200, "users\n"), (status, body))
        # Tables of `default` stay reachable by their qualified name.
        status, body, _ = server.request("SELECT count(*) FROM default.users", params=params, headers=headers)
        checks.equal(f"database.{name}.qualified_default", (200, "1\n"), (status, body))
        status, body, _ = server.request("SELECT count(*) FROM users", params=params, headers=headers)
        checks.true(f"database.{name}.unqualified_is_system", status == 404 or status == 400,
                    f"status {status}: {body}")
        status, body, _ = server.request("INSERT INTO users VALUES (3, 'carol')", params=params, headers=headers)
        checks.true(f"database.{name}.insert_rejected", status == 400 and "system" in body,
                    f"status {status}: {body}")

    status, body, _ = server.request("SELECT 1", headers={"X-ClickHouse-Database": "nope"})
    checks.true("database.header_unknown", status != 200 and "nope" in body, f"status {status}: {body}")
    status, body, _ = server.request("SELECT 1", params={"database": "nope"})
    checks.true("database.param_unknown", status != 200 and "nope" in body, f"status {status}: {body}")
    status, body, _ = server.request("SELECT count(*) FROM users", params={"database": "default"},
                                     headers={"X-ClickHouse-Database": "default"})
    checks.equal("database.default", (200, "1\n"), (status, body))

    status, body, _ = server.request("USE system")
    checks.equal("database.use_system", 200, status)
    status, body, _ = server.request("USE nope")
    checks.true("database.use_unknown", status != 200 and "nope" in body, f"status {status}: {body}")


def check_setting_values(checks, server):
    status, body, _ = server.request("SELECT 1", params={"max_threads": "abc"})
    checks.equal("settings.max_threads_abc.status", 400, status)
    checks.true("settings.max_threads_abc.message", "max_threads" in body and "'abc'" in body, body)
    status, body, _ = server.request("SELECT 1", params={"max_threads": "2"})
    checks.equal("settings.max_threads_2", (200, "1\n"), (status, body))


def main():
    server = FurlServer.from_args(description=__doc__.split("\n\n")[0])
    checks = Checks("clickhouse_http_compat")
    with server:
        try:
            server.query("CREATE TABLE users (id Int32, name String) ENGINE = MergeTree ORDER BY id")
            server.query("INSERT INTO users VALUES (1, 'alice')")
        except QueryFailed as error:
            checks.error("setup", error)
            return checks.finish()

        check_readonly(checks, server)
        check_database(checks, server)
        check_setting_values(checks, server)
        if checks.failed:
            print(server.log_tail(), file=sys.stderr)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
