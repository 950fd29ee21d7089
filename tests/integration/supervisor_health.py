#!/usr/bin/env python3
"""Check that a supervisor whose broker cannot be reached reports itself unhealthy.

The unchanged Druid spec from examples/ is submitted with bootstrap.servers
set to a free loopback port where nothing listens. librdkafka then keeps
failing to connect, and the status must turn to UNHEALTHY_SUPERVISOR with
"healthy": false and a last error that names the connection problem, as
Druid's supervisor does after repeated failures. furld must keep serving
queries meanwhile.

    python3 tests/integration/supervisor_health.py [--furld build/bin/furld]
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import Checks, FurlServer, free_port  # noqa: E402
from kafka_ingest import api, make_spec  # noqa: E402

SPEC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples",
                    "wikipedia-kafka-supervisor.json")
TIMEOUT_S = 90


def main():
    server = FurlServer.from_args(description=__doc__.split("\n\n")[0])
    checks = Checks("supervisor_health")
    with server:
        address = f"127.0.0.1:{free_port()}"
        status, body = api(server, "POST", body=make_spec(SPEC, address))
        checks.equal("submit.status", 200, status)

        payload = {}
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            status, body = api(server, "GET", "/wikipedia/status")
            payload = body.get("payload", {}) if isinstance(body, dict) else {}
            if payload.get("state") == "UNHEALTHY_SUPERVISOR":
                break
            time.sleep(1)
        checks.equal("status.state", "UNHEALTHY_SUPERVISOR", payload.get("state"))
        checks.equal("status.healthy", False, payload.get("healthy"))
        last_error = str(payload.get("lastError", ""))
        checks.true("status.error_names_problem",
                    any(word in last_error.lower() for word in ("connect", "transport", "broker")),
                    f"lastError: {last_error!r}")
        checks.equal("query_still_works", [["1"]], server.query_rows("SELECT 1"))

        status, _ = api(server, "POST", "/wikipedia/terminate")
        checks.equal("terminate.status", 200, status)
        if checks.failed:
            print(server.log_tail(), file=sys.stderr)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
