#!/usr/bin/env python3
"""Check that malformed HTTP requests and very deep SQL get an error, not a crash.

Each case is sent over a raw socket or as an ordinary query. The server
must reply with the expected 4xx status and a message that names the
problem, and afterwards still respond to /ping and queries:

- a header field longer than Beast can store (64 KiB) gets 431;
- a garbage request line, an invalid Content-Length and a bad chunk size
  get 400;
- SQL nested 10,000 parentheses deep, and chains of 20,000 `+` or `AND`
  terms get a syntax error naming the depth limit, while a chain of 900
  terms still works.

    python3 tests/integration/http_malformed.py [--furld build/bin/furld]
"""

import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import Checks, FurlServer, QueryFailed  # noqa: E402


def raw_exchange(port, data, timeout_s=10.0):
    """Send raw bytes, then return everything the server sends until it closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout_s) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks).decode("utf-8", "replace")


def status_of(response):
    """Return the status code of a raw HTTP response, or 0 when there is none."""
    first = response.split("\r\n", 1)[0].split(" ")
    return int(first[1]) if len(first) > 1 and first[0].startswith("HTTP/") and first[1].isdigit() else 0


RAW_CASES = [
    # (name, request bytes, expected status, a word the body must contain)
    ("long_cookie",
     b"GET /ping HTTP/1.1\r\nHost: x\r\nCookie: " + b"a" * 70000 + b"\r\n\r\n", 431, "Cookie"),
    ("long_header_with_query",
     b"GET /?query=SELECT%201 HTTP/1.1\r\nHost: x\r\nX-Long: " + b"b" * 66000 + b"\r\n\r\n", 431, "X-Long"),
    ("garbage_request_line", b"HELLO THERE\r\n\r\n", 400, "malformed"),
    ("negative_content_length",
     b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\nSELECT 1", 400, "malformed"),
    ("invalid_content_length",
     b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\nSELECT 1", 400, "malformed"),
    ("bad_chunk_size",
     b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nSELECT 1\r\n0\r\n\r\n", 400, "malformed"),
]

DEEP_SQL_CASES = [
    ("nested_parentheses", "SELECT " + "(" * 10000 + "1" + ")" * 10000),
    ("long_plus_chain", "SELECT " + "+".join(["1"] * 20000)),
    ("long_and_chain", "SELECT " + " AND ".join(["1=1"] * 20000)),
    ("nested_not", "SELECT " + "NOT " * 5000 + "1"),
    ("nested_subqueries", "SELECT * FROM " + "(SELECT * FROM " * 3000 + "numbers(1)" + ")" * 3000),
]


def check_alive(checks, server, name):
    status, body, _ = server.request(path="/ping")
    checks.equal(f"{name}.ping_after", (200, "Ok.\n"), (status, body))


def main():
    server = FurlServer.from_args(description=__doc__.split("\n\n")[0])
    checks = Checks("http_malformed")
    with server:
        for name, data, expected, word in RAW_CASES:
            response = raw_exchange(server.port, data)
            checks.equal(f"{name}.status", expected, status_of(response))
            checks.true(f"{name}.names_problem", word.lower() in response.lower(),
                        f"response does not mention {word!r}: {response[:400]!r}")
            check_alive(checks, server, name)

        for name, sql in DEEP_SQL_CASES:
            status, body, _ = server.request(sql)
            checks.equal(f"{name}.status", 400, status)
            checks.true(f"{name}.names_limit", "1000 levels" in body,
                        f"message does not name the depth limit: {body[:400]!r}")
            check_alive(checks, server, name)

        try:
            checks.equal("chain_of_900.sum", [["900"]], server.query_rows("SELECT " + "+".join(["1"] * 900)))
            checks.equal("nested_300.value", [["1"]],
                         server.query_rows("SELECT " + "(" * 300 + "1" + ")" * 300))
        except QueryFailed as error:
            checks.error("within_limit", error)
        if checks.failed:
            print(server.log_tail(), file=sys.stderr)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
