#!/usr/bin/env python3
"""Check that HTTP checks the credentials furld is configured with.

A furld started with --user/--password accepts requests that authenticate
as ClickHouse clients do (X-ClickHouse-User/X-ClickHouse-Key headers, HTTP
Basic, or the user/password URL parameters) and rejects the rest with
ClickHouse's AUTHENTICATION_FAILED (code 516) and HTTP 403. The Druid SQL
API and the supervisor API take HTTP Basic and return 401. /ping stays
open. The old flag names --native-user/--native-password set the same
account, and a furld without credentials accepts every request.

    python3 tests/integration/http_auth.py [--furld build/bin/furld]
"""

import base64
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import Checks, FurlServer, QueryFailed  # noqa: E402

USER = "analyst"
PASSWORD = "s3cret:with colon"


def basic(user, password):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def check_clickhouse_endpoint(checks, server, prefix):
    accepted = {
        "headers": {"headers": {"X-ClickHouse-User": USER, "X-ClickHouse-Key": PASSWORD}},
        "basic": {"headers": basic(USER, PASSWORD)},
        "url_params": {"params": {"user": USER, "password": PASSWORD}},
    }
    for name, kwargs in accepted.items():
        status, body, _ = server.request("SELECT 1", **kwargs)
        checks.equal(f"{prefix}.accepts_{name}", (200, "1\n"), (status, body))

    rejected = {
        "no_credentials": {},
        "wrong_password_header": {"headers": {"X-ClickHouse-User": USER, "X-ClickHouse-Key": "wrong"}},
        "wrong_user_basic": {"headers": basic("default", PASSWORD)},
        "wrong_password_url": {"params": {"user": USER, "password": PASSWORD + "x"}},
        "headers_and_basic": {"headers": {"X-ClickHouse-User": USER, "X-ClickHouse-Key": PASSWORD,
                                          **basic(USER, PASSWORD)}},
        "bearer_token": {"headers": {"Authorization": "Bearer abc"}},
    }
    for name, kwargs in rejected.items():
        status, body, headers = server.request("SELECT 1", **kwargs)
        checks.equal(f"{prefix}.rejects_{name}.status", 403, status)
        checks.true(f"{prefix}.rejects_{name}.code_516", body.startswith("Code: 516.") and
                    "AUTHENTICATION_FAILED" in body, body)
        checks.equal(f"{prefix}.rejects_{name}.header", "516", headers.get("X-ClickHouse-Exception-Code"))

    status, body, _ = server.request(path="/ping")
    checks.equal(f"{prefix}.ping_is_open", (200, "Ok.\n"), (status, body))


def check_druid_endpoints(checks, server):
    sql_body = json.dumps({"query": "SELECT 1 AS x"})
    json_headers = {"Content-Type": "application/json"}
    status, body, _ = server.request(body=sql_body, path="/druid/v2/sql", method="POST",
                                     headers={**json_headers, **basic(USER, PASSWORD)})
    checks.equal("druid_sql.accepts_basic", (200, [{"x": 1}]), (status, json.loads(body) if status == 200 else body))

    status, body, headers = server.request(body=sql_body, path="/druid/v2/sql", method="POST",
                                           headers=json_headers)
    checks.equal("druid_sql.rejects_missing.status", 401, status)
    checks.true("druid_sql.rejects_missing.www_authenticate",
                (headers.get("WWW-Authenticate") or "").startswith("Basic"), str(dict(headers)))
    checks.true("druid_sql.rejects_missing.json", json.loads(body).get("error") == "Unauthorized", body)

    status, body, _ = server.request(path="/druid/indexer/v1/supervisor", method="GET",
                                     headers=basic(USER, PASSWORD))
    checks.equal("supervisor.accepts_basic", (200, []), (status, json.loads(body) if status == 200 else body))
    status, body, _ = server.request(path="/druid/indexer/v1/supervisor", method="GET",
                                     headers=basic(USER, "wrong"))
    checks.equal("supervisor.rejects_wrong_password", 401, status)


def main():
    # Only for the --furld argument: remove the unused server's folder.
    parsed = FurlServer.from_args(description=__doc__.split("\n\n")[0])
    furld = parsed.furld
    parsed.close()
    checks = Checks("http_auth")

    with FurlServer(furld=furld, extra_args=["--user", USER, "--password", PASSWORD]) as server:
        check_clickhouse_endpoint(checks, server, "user_flag")
        check_druid_endpoints(checks, server)

    with FurlServer(furld=furld, extra_args=["--native-user", USER, "--native-password", PASSWORD]) as server:
        check_clickhouse_endpoint(checks, server, "native_flag")

    # Without configured credentials nothing is checked.
    with FurlServer(furld=furld) as server:
        try:
            checks.equal("open.no_credentials", "1\n", server.query("SELECT 1"))
            checks.equal("open.any_user", "1\n",
                         server.query("SELECT 1", params={"user": "someone", "password": "x"}))
        except QueryFailed as error:
            checks.error("open", error)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
