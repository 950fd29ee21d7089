"""Helpers for tests against S3 (stdlib only): s3rver and a fault-injecting proxy.

S3rverProcess runs s3rver (npm, pinned in package.json, installed by `npm
ci`) on a free loopback port with a temporary directory and one bucket, and
stops it by PID. FaultProxy is an HTTP proxy in front of it that forwards
requests unchanged unless a fault rule matches. Rules are added over a
small control API, so the process under test (a gtest binary, furld) can
inject faults itself:

    POST   /faults?method=GET&match=partNumber%3D2&action=status&status=503&code=SlowDown&count=2
    DELETE /faults            remove every rule
    GET    /stats             "requests=N injected=N pending=N active=N"

`active` counts requests the proxy is holding or forwarding right now. A
test in the same process can also read FaultProxy.request_log: one
(method, target, Range header) tuple per forwarded or injected request.

Actions: `status` answers with that HTTP status and an S3 error body
(`code`), `reset` closes the connection without answering, `delay` waits
`delay_ms` before forwarding (to outlast a client timeout), and `drop_body`
forwards but sends only half of the response body before closing.
`method` (default any) and `match` (a substring of the request target,
default any) select requests; each rule fires `count` times.
"""

import http.client
import os
import shutil
import signal
import socketserver
import subprocess
import tempfile
import threading
import time
import urllib.parse

from furl_testlib import REPO_ROOT, free_port, _die_with_parent

S3RVER_JS = os.path.join(REPO_ROOT, "node_modules", "s3rver", "bin", "s3rver.js")
ACCESS_KEY = "S3RVER"
SECRET_KEY = "S3RVER"
BUCKET = "furl-test"


class S3rverProcess:
    """One s3rver process with its own port and directory, holding BUCKET.

    It runs with --service-endpoint localhost, so virtual-hosted requests to
    BUCKET.s3.localhost:PORT reach the bucket as well as path-style ones to
    127.0.0.1:PORT.
    """

    def __init__(self, node="node"):
        if not os.path.exists(S3RVER_JS):
            raise FileNotFoundError(
                f"s3rver not found at {S3RVER_JS}; run `npm ci` at the repository root")
        self.node = shutil.which(node) or node
        self.work_dir = tempfile.mkdtemp(prefix="furl-s3rver-")
        self.port = None
        self.process = None

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout_s=30.0):
        self.port = free_port()
        log = open(os.path.join(self.work_dir, "s3rver.log"), "ab")
        # s3rver 3.7.1 encrypts ListObjectsV2 continuation tokens with DES.
        # OpenSSL 3 (Node 17 and later) offers DES only in its legacy
        # provider, so without this flag every truncated listing fails with
        # HTTP 500.
        self.process = subprocess.Popen(
            [self.node, "--openssl-legacy-provider", S3RVER_JS, "-d", os.path.join(self.work_dir, "data"), "-a", "127.0.0.1",
             "-p", str(self.port), "--silent", "--service-endpoint", "localhost",
             "--configure-bucket", BUCKET],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        log.close()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"s3rver exited with status {self.process.returncode}; "
                                   f"see {self.work_dir}/s3rver.log")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                connection.request("GET", f"/{BUCKET}?list-type=2&max-keys=1")
                if connection.getresponse().status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"s3rver did not list bucket {BUCKET} within {timeout_s:.0f} s")

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.process = None

    def close(self):
        self.stop()
        shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()


class _Rule:
    def __init__(self, params):
        self.method = params.get("method", "*")
        self.match = params.get("match", "")
        self.action = params.get("action", "status")
        self.status = int(params.get("status", "503"))
        self.code = params.get("code", "ServiceUnavailable")
        self.delay_ms = int(params.get("delay_ms", "0"))
        self.count = int(params.get("count", "1"))
        if self.action not in ("status", "reset", "delay", "drop_body"):
            raise ValueError(f"unknown action {self.action!r}")

    def matches(self, method, target):
        return self.count > 0 and self.method in ("*", method) and self.match in target


# Hop-by-hop headers are not forwarded; Content-Length is set from the body.
_SKIPPED_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "proxy-connection"}


class _ProxyHandler(socketserver.StreamRequestHandler):
    def handle(self):
        while self._handle_one():
            pass

    def _read_request(self):
        request_line = self.rfile.readline(65537)
        if not request_line:
            return None
        method, target, _ = request_line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        headers = []
        while True:
            line = self.rfile.readline(65537).decode("latin-1").rstrip("\r\n")
            if not line:
                break
            name, _, value = line.partition(":")
            headers.append((name.strip(), value.strip()))
        length = next((int(v) for n, v in headers if n.lower() == "content-length"), 0)
        body = self.rfile.read(length) if length else b""
        return method, target, headers, body

    def _handle_one(self):
        try:
            request = self._read_request()
        except (OSError, ValueError):
            return False
        if request is None:
            return False
        method, target, headers, body = request
        proxy = self.server.proxy
        if target.startswith("/faults") or target.startswith("/stats"):
            return self._control(method, target)

        range_header = next((v for n, v in headers if n.lower() == "range"), None)
        rule = proxy.take_rule(method, target, range_header)
        proxy.enter()
        try:
            if rule is None or rule.action in ("delay", "drop_body"):
                if rule is not None and rule.action == "delay":
                    time.sleep(rule.delay_ms / 1000.0)
                status, reason, response_headers, response_body = proxy.forward(method, target, headers, body)
                if rule is not None and rule.action == "drop_body" and method != "HEAD" and response_body:
                    self._send(status, reason, response_headers, response_body, len(response_body) // 2)
                    return False
                head_length = None
                if method == "HEAD":
                    head_length = next((int(v) for n, v in response_headers if n.lower() == "content-length"), 0)
                self._send(status, reason, response_headers, response_body, content_length=head_length)
                return True
            if rule.action == "reset":
                return False
            error = (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{rule.code}</Code>'
                     f"<Message>injected by the test proxy</Message></Error>").encode()
            self._send(rule.status, "Injected", [("Content-Type", "application/xml")],
                       b"" if method == "HEAD" else error, content_length=len(error))
            return True
        except OSError:
            return False  # the client gave up (timeout) or the upstream failed
        finally:
            proxy.leave()

    def _send(self, status, reason, headers, body, send_bytes=None, content_length=None):
        lines = [f"HTTP/1.1 {status} {reason}"]
        length = content_length if content_length is not None else len(body)
        for name, value in headers:
            if name.lower() not in _SKIPPED_HEADERS:
                lines.append(f"{name}: {value}")
        lines.append(f"Content-Length: {length}")
        self.wfile.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        self.wfile.write(body if send_bytes is None else body[:send_bytes])
        self.wfile.flush()

    def _control(self, method, target):
        parsed = urllib.parse.urlsplit(target)
        proxy = self.server.proxy
        try:
            if parsed.path == "/faults" and method == "POST":
                proxy.add_rule(_Rule(dict(urllib.parse.parse_qsl(parsed.query))))
                text = "ok"
            elif parsed.path == "/faults" and method == "DELETE":
                proxy.clear_rules()
                text = "ok"
            elif parsed.path == "/stats" and method == "GET":
                text = proxy.stats()
            else:
                self._send(404, "Not Found", [], b"unknown control request")
                return True
        except ValueError as error:
            self._send(400, "Bad Request", [], str(error).encode())
            return True
        self._send(200, "OK", [("Content-Type", "text/plain")], text.encode())
        return True


# Public name for tests that add rules in process instead of over HTTP.
FaultRule = _Rule


class _ThreadingServer(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


class FaultProxy:
    """An HTTP proxy on a free loopback port in front of `upstream_port`."""

    def __init__(self, upstream_port):
        self.upstream_port = upstream_port
        self._lock = threading.Lock()
        self._rules = []
        self.requests = 0
        self.injected = 0
        self.active = 0
        self.request_log = []
        self._server = _ThreadingServer(("127.0.0.1", 0), _ProxyHandler)
        self._server.proxy = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def endpoint(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self._thread.start()
        return self

    def close(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def add_rule(self, rule):
        with self._lock:
            self._rules.append(rule)

    def clear_rules(self):
        with self._lock:
            self._rules.clear()

    def enter(self):
        with self._lock:
            self.active += 1

    def leave(self):
        with self._lock:
            self.active -= 1

    def take_rule(self, method, target, range_header=None):
        with self._lock:
            self.requests += 1
            self.request_log.append((method, target, range_header))
            for rule in self._rules:
                if rule.matches(method, target):
                    rule.count -= 1
                    self.injected += 1
                    return rule
        return None

    def stats(self):
        with self._lock:
            pending = sum(rule.count for rule in self._rules)
            return f"requests={self.requests} injected={self.injected} pending={pending} active={self.active}"

    def forward(self, method, target, headers, body):
        connection = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            connection.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
            for name, value in headers:
                if name.lower() not in _SKIPPED_HEADERS:
                    connection.putheader(name, value)
            if body or method in ("PUT", "POST"):
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            response_body = response.read()
            return response.status, response.reason, response.getheaders(), response_body
        finally:
            connection.close()

