#!/usr/bin/env python3
"""Check long queries: the worker pool, system.processes, KILL QUERY and cancellation.

furld runs with 2 query threads and a queue of 1. Long queries are sums over
numbers(10^11) with max_threads=1, which read 65536 rows between cancel
checks and would run for minutes. The checks:
  - /ping is served within 2 s while more long queries run than there
    are HTTP I/O threads (2) and query threads (2), and a query beyond the
    queue gets TOO_MANY_SIMULTANEOUS_QUERIES (202);
  - system.processes lists the running queries with their read_rows;
  - KILL QUERY (ASYNC, SYNC, TEST, WHERE user = ...) returns ClickHouse's
    kill_status rows, and the killed query's client gets QUERY_WAS_CANCELLED
    (394);
  - a client that disconnects has its query removed from system.processes,
    and furld stops using CPU;
  - max_execution_time ends a query with TIMEOUT_EXCEEDED (159);
  - a native protocol query shows in system.processes, KILL QUERY ends it,
    and closing its connection cancels it;
  - SIGTERM waits for a running query, then cancels it after
    --shutdown-timeout-ms.

    python3 tests/integration/query_cancel.py [--furld build/bin/furld]
"""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import Checks, FurlServer, http_request  # noqa: E402

LONG_SQL = "SELECT sum(number % 7) FROM numbers(100000000000)"
# Safety net: a query that the test fails to cancel ends by itself.
LONG_PARAMS = {"max_threads": "1", "max_execution_time": "60"}


def wait_until(condition, timeout_s=5.0):
    """Poll `condition` every 20 ms; return its last value."""
    deadline = time.monotonic() + timeout_s
    value = condition()
    while not value and time.monotonic() < deadline:
        time.sleep(0.02)
        value = condition()
    return value


class LongQuery:
    """A long query on its own thread; `result` is (status, body, headers) once it ends."""

    def __init__(self, server, query_id):
        self.query_id = query_id
        self.result = None
        params = dict(LONG_PARAMS, query_id=query_id)
        self.thread = threading.Thread(
            target=lambda: setattr(self, "result", http_request(server.url, LONG_SQL, params=params, timeout_s=90)),
            daemon=True)
        self.thread.start()

    def wait(self, timeout_s=10.0):
        self.thread.join(timeout_s)
        return self.result


def running_ids(server):
    rows = server.query_json_rows(
        "SELECT query_id FROM system.processes WHERE query LIKE '%numbers(100000000000)%' "
        "AND query NOT LIKE '%system.processes%'")
    return sorted(row["query_id"] for row in rows)


def kill(server, condition):
    status, body, _ = server.request(f"KILL QUERY WHERE {condition} FORMAT JSONEachRow")
    rows = [json.loads(line) for line in body.splitlines() if line.strip()] if status == 200 else body
    return status, rows


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def check_pool_and_kill(checks, server):
    first, second = LongQuery(server, "long-1"), LongQuery(server, "long-2")
    checks.true("pool.two_running", wait_until(lambda: running_ids(server) == ["long-1", "long-2"]),
                running_ids(server))
    queued = LongQuery(server, "long-3")
    time.sleep(0.3)
    checks.equal("pool.third_waits_in_queue", ["long-1", "long-2"], running_ids(server))

    for attempt in range(3):
        start = time.monotonic()
        status, body, _ = server.request(path="/ping")
        elapsed = time.monotonic() - start
        checks.equal(f"pool.ping_{attempt}", (200, "Ok.\n"), (status, body))
        checks.true(f"pool.ping_{attempt}_fast", elapsed < 2.0, f"/ping took {elapsed:.2f} s")

    status, body, headers = http_request(server.url, LONG_SQL, params=LONG_PARAMS, timeout_s=10)
    checks.equal("pool.overflow_status", 503, status)
    checks.equal("pool.overflow_code", "202", headers.get("X-ClickHouse-Exception-Code"))
    checks.true("pool.overflow_body", "(TOO_MANY_SIMULTANEOUS_QUERIES)" in body, body)

    rows = server.query_json_rows(
        "SELECT query_id, user, read_rows, is_cancelled, query_kind, elapsed FROM system.processes "
        "WHERE query_id = 'long-1'")
    checks.equal("processes.one_row", 1, len(rows))
    if rows:
        row = rows[0]
        checks.equal("processes.user", "default", row["user"])
        checks.equal("processes.kind", "Select", row["query_kind"])
        checks.equal("processes.not_cancelled", 0, row["is_cancelled"])
        checks.true("processes.elapsed", row["elapsed"] > 0, row)

    # Progress is published as workers finish morsels, so on a busy machine
    # the first rows may take a moment.
    read_rows = lambda: server.query_rows(  # noqa: E731
        "SELECT read_rows FROM system.processes WHERE query_id = 'long-1'")
    checks.true("processes.read_rows", wait_until(lambda: int((read_rows() or [["0"]])[0][0]) > 0), read_rows())

    # TEST only lists what it would kill.
    status, rows = kill(server, "query_id = 'long-1' TEST")
    checks.equal("kill.test_status", 200, status)
    checks.equal("kill.test_rows", [{"kill_status": "unknown_status", "query_id": "long-1", "user": "default",
                                      "query": LONG_SQL}], rows)
    checks.equal("kill.test_keeps_query", ["long-1", "long-2"], running_ids(server))

    status, rows = kill(server, "query_id = 'long-1'")
    checks.equal("kill.async_rows", [{"kill_status": "waiting", "query_id": "long-1", "user": "default",
                                       "query": LONG_SQL}], rows)
    result = first.wait()
    checks.true("kill.client_sees_394", result is not None and result[2].get("X-ClickHouse-Exception-Code") == "394"
                and "Code: 394." in result[1] and "QUERY_WAS_CANCELLED" in result[1], result)

    # The queued query starts in the freed slot; SYNC by user then ends both.
    checks.true("kill.queued_starts", wait_until(lambda: running_ids(server) == ["long-2", "long-3"]),
                running_ids(server))
    status, rows = kill(server, "user = 'default' AND query_id LIKE 'long-%' SYNC")
    checks.equal("kill.sync_status", 200, status)
    checks.equal("kill.sync_rows", [("finished", "long-2"), ("finished", "long-3")],
                 sorted((row["kill_status"], row["query_id"]) for row in rows) if status == 200 else rows)
    checks.equal("kill.sync_left_nothing", [], running_ids(server))
    for name, query in (("long_2", second), ("long_3", queued)):
        result = query.wait()
        checks.equal(f"kill.{name}_code", "394", result and result[2].get("X-ClickHouse-Exception-Code"))

    status, rows = kill(server, "query_id = 'no-such-query'")
    checks.equal("kill.no_match", (200, []), (status, rows))
    status, body, _ = server.request("KILL QUERY")
    checks.true("kill.without_where", status == 400 and "Code: 62." in body, body)


def check_disconnect(checks, server):
    body = LONG_SQL.encode()
    target = "/?" + "&".join(f"{key}={value}" for key, value in dict(LONG_PARAMS, query_id="gone").items())
    with socket.create_connection(("127.0.0.1", server.port)) as client:
        client.sendall(f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                       + body)
        checks.true("disconnect.query_runs", wait_until(lambda: running_ids(server) == ["gone"]), running_ids(server))
    checks.true("disconnect.query_removed", wait_until(lambda: running_ids(server) == [], 3.0), running_ids(server))
    before = cpu_seconds(server.process.pid)
    time.sleep(1.0)
    used = cpu_seconds(server.process.pid) - before
    checks.true("disconnect.cpu_stops", used < 0.3, f"furld used {used:.2f} CPU seconds in the second after")


def check_max_execution_time(checks, server):
    start = time.monotonic()
    status, body, headers = http_request(server.url, LONG_SQL, params=dict(LONG_PARAMS, max_execution_time="1"))
    elapsed = time.monotonic() - start
    checks.equal("timeout.code", "159", headers.get("X-ClickHouse-Exception-Code"))
    checks.true("timeout.message", "TIMEOUT_EXCEEDED" in body, body)
    checks.true("timeout.ends_soon", elapsed < 5.0, f"took {elapsed:.2f} s")


def check_native(checks, server, client_path, native_port):
    def run_client():
        sql = f"SET max_threads = 1; {LONG_SQL}"
        return subprocess.Popen([client_path, "--port", str(native_port), "-q", sql],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    killed = run_client()
    native_rows = lambda: server.query_json_rows(  # noqa: E731
        "SELECT query_id, interface FROM system.processes WHERE interface = 1")
    checks.true("native.listed", wait_until(lambda: len(native_rows()) == 1), native_rows())
    rows = native_rows()
    if rows:
        status, result = kill(server, f"query_id = '{rows[0]['query_id']}'")
        checks.equal("native.kill_status", [(200, "waiting")],
                     [(status, row["kill_status"]) for row in result] if status == 200 else result)
    try:
        _, stderr = killed.communicate(timeout=10)
        checks.true("native.client_sees_394", killed.returncode == 1 and "394" in stderr, stderr)
    except subprocess.TimeoutExpired:
        killed.kill()
        checks.true("native.client_sees_394", False, "the native query kept running after KILL QUERY")

    closed = run_client()
    checks.true("native.listed_again", wait_until(lambda: len(native_rows()) == 1), native_rows())
    closed.kill()  # SIGKILL closes the connection without a cancel call
    closed.wait()
    checks.true("native.close_cancels", wait_until(lambda: native_rows() == [], 5.0), native_rows())


def check_shutdown(checks, server):
    query = LongQuery(server, "at-shutdown")
    checks.true("shutdown.query_runs", wait_until(lambda: running_ids(server) == ["at-shutdown"]),
                running_ids(server))
    start = time.monotonic()
    server.process.send_signal(signal.SIGTERM)
    result = query.wait(15)
    server.process.wait(15)
    elapsed = time.monotonic() - start
    checks.equal("shutdown.query_cancelled", "394", result and result[2].get("X-ClickHouse-Exception-Code"))
    checks.true("shutdown.waited_then_cancelled", 0.4 <= elapsed < 8.0, f"stopped after {elapsed:.2f} s")
    checks.equal("shutdown.exit_status", 0, server.process.returncode)


def main():
    checks = Checks("query_cancel")
    native_port = None
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        native_port = probe.getsockname()[1]
    extra = ["--max-threads", "2", "--max-queued-queries", "1", "--shutdown-timeout-ms", "500",
             "--native-port", str(native_port)]
    with FurlServer.from_args(extra_args=extra) as server:
        client_path = os.path.join(os.path.dirname(server.furld), "furl")
        for check in (check_pool_and_kill, check_disconnect, check_max_execution_time):
            try:
                check(checks, server)
            except Exception as error:  # noqa: BLE001 (report and go on with the other checks)
                checks.error(check.__name__, error)
        try:
            check_native(checks, server, client_path, native_port)
        except Exception as error:  # noqa: BLE001
            checks.error("check_native", error)
        try:
            check_shutdown(checks, server)
        except Exception as error:  # noqa: BLE001
            checks.error("check_shutdown", error)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
