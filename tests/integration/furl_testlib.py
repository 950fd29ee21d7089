"""Helpers for tests that start a real furld and talk to it over HTTP (stdlib only).

FurlServer runs build/bin/furld on a free loopback port with a temporary data
directory, waits until GET /ping returns 200, and stops the process by its PID at
the end, also when the test fails or is interrupted. The furld binary comes
from --furld, then the FURLD environment variable, then build/bin/furld.

    with FurlServer.from_args() as server:
        server.query("CREATE TABLE t (x Int64) ENGINE = MergeTree ORDER BY x")
        status, body = server.request("SELECT count(*) FROM t")
"""

import argparse
import atexit
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

REPO_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
DEFAULT_FURLD = os.path.join(REPO_ROOT, "build", "bin", "furld")

# Servers started by this process that have not been stopped yet; atexit and
# the SIGTERM handler stop them so no furld outlives its test.
_live_servers = set()


class QueryFailed(Exception):
    """Raised when furld returns an HTTP error status for a statement."""

    def __init__(self, sql, status, body):
        super().__init__(f"HTTP {status} for {sql[:200]!r}: {body.strip()[:2000]}")
        self.sql = sql
        self.status = status
        self.body = body


def free_port():
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _die_with_parent():
    """Ask the kernel to send SIGTERM to furld if the test process dies first.

    Runs in the child between fork and exec. PR_SET_PDEATHSIG is option 1.
    """
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)
    except OSError:
        pass


def _stop_all_live_servers():
    for server in list(_live_servers):
        server.stop()


def _on_sigterm(signum, frame):
    _stop_all_live_servers()
    sys.exit(128 + signum)


atexit.register(_stop_all_live_servers)
try:
    signal.signal(signal.SIGTERM, _on_sigterm)
except ValueError:
    pass  # imported outside the main thread; atexit still stops the servers


class FurlServer:
    """One furld process with its own port and data directory.

    The data directory survives stop() and start(), so a test can restart the
    server on the same data; it is removed by close() unless FURL_TEST_KEEP=1.
    """

    def __init__(self, furld=DEFAULT_FURLD, data_dir=None, startup_timeout_s=60.0, extra_args=(), env=None):
        """`extra_args` are appended to furld's command line; `env` replaces its environment."""
        if not os.access(furld, os.X_OK):
            raise FileNotFoundError(
                f"furld binary not found or not executable: {furld}; "
                "build it with `bash scripts/build.sh` or pass --furld PATH")
        self.furld = furld
        self.work_dir = tempfile.mkdtemp(prefix="furl-test-")
        self.data_dir = data_dir or os.path.join(self.work_dir, "data")
        self.log_path = os.path.join(self.work_dir, "furld.log")
        self.startup_timeout_s = startup_timeout_s
        self.extra_args = list(extra_args)
        self.env = env
        self.port = None
        self.process = None
        self._log_file = None

    @classmethod
    def from_args(cls, argv=None, description=None, extra_args=()):
        """Build a server from the command line (--furld PATH) of a test script."""
        parser = argparse.ArgumentParser(description=description)
        parser.add_argument("--furld", default=os.environ.get("FURLD", DEFAULT_FURLD),
                            help="path of the furld binary (default: $FURLD or build/bin/furld)")
        args, _ = parser.parse_known_args(argv)
        return cls(furld=args.furld, extra_args=extra_args)

    # Lifecycle.

    def start(self):
        """Start furld and wait until GET /ping returns 200; retry if the port was taken."""
        os.makedirs(self.data_dir, exist_ok=True)
        last_error = None
        for _ in range(3):
            self.port = free_port()
            self._log_file = open(self.log_path, "ab")
            self._log_file.write(f"--- furld start on port {self.port}\n".encode())
            self._log_file.flush()
            self.process = subprocess.Popen(
                [self.furld, "--data-dir", self.data_dir, "--http-port", str(self.port), "--native-port", "0",
                 *self.extra_args],
                stdin=subprocess.DEVNULL, stdout=self._log_file, stderr=subprocess.STDOUT,
                preexec_fn=_die_with_parent, env=self.env)
            _live_servers.add(self)
            try:
                self._wait_ready()
                return self
            except RuntimeError as error:
                last_error = error
                exited = self.process.poll() is not None
                self.stop()
                if not exited:
                    break  # it ran but never responded, so a new port will not help
        raise RuntimeError(f"{last_error}\n{self.log_tail()}")

    def _wait_ready(self):
        deadline = time.monotonic() + self.startup_timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"furld exited with status {self.process.returncode} during startup")
            try:
                with urllib.request.urlopen(f"{self.url}/ping", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                pass
            time.sleep(0.05)
        raise RuntimeError(
            f"furld did not respond to GET /ping within {self.startup_timeout_s:.0f} s")

    def stop(self, sig=signal.SIGTERM, timeout_s=30.0):
        """Send `sig` to furld by its PID and wait for it to exit.

        A server that ignores SIGTERM for `timeout_s` gets SIGKILL. Returns
        the exit status, or None when no process was running.
        """
        process = self.process
        if process is None:
            return None
        if process.poll() is None:
            try:
                os.kill(process.pid, sig)
            except ProcessLookupError:
                pass
            try:
                process.wait(timeout=timeout_s)
            except subprocess.TimeoutExpired:
                os.kill(process.pid, signal.SIGKILL)
                process.wait()
        self.process = None
        _live_servers.discard(self)
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        return process.returncode

    def kill(self):
        """Stop furld with SIGKILL, as a crash would."""
        return self.stop(sig=signal.SIGKILL)

    def restart(self, sig=signal.SIGTERM):
        self.stop(sig=sig)
        return self.start()

    def close(self):
        self.stop()
        if os.environ.get("FURL_TEST_KEEP") == "1":
            print(f"kept test directory {self.work_dir}", file=sys.stderr)
        else:
            shutil.rmtree(self.work_dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            print(self.log_tail(), file=sys.stderr)
        self.close()

    def log_tail(self, max_lines=40):
        """The last lines furld wrote, for failure reports."""
        try:
            with open(self.log_path, "rb") as log:
                lines = log.read().decode("utf-8", "replace").splitlines()
        except OSError:
            return "(no furld log)"
        return "--- last lines of furld log:\n" + "\n".join(lines[-max_lines:])

    # HTTP.

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def request(self, sql=None, body=None, params=None, path="/", method=None,
                headers=None, timeout_s=300.0):
        """Send one request to this server; see http_request()."""
        return http_request(self.url, sql, body=body, params=params, path=path,
                            method=method, headers=headers, timeout_s=timeout_s)

    def query(self, sql, body=None, params=None):
        """Run a statement and return the response body; raise QueryFailed on an error."""
        status, text, _ = self.request(sql, body=body, params=params)
        if status != 200:
            raise QueryFailed(sql, status, text)
        return text

    def query_rows(self, sql):
        """Run a SELECT and return its rows as lists of strings (TSV, NULL as None)."""
        text = self.query(sql)
        if text == "":
            return []
        text = text[:-1] if text.endswith("\n") else text
        return [[unescape_tsv(cell) for cell in line.split("\t")] for line in text.split("\n")]

    def query_json_rows(self, sql):
        """Run a SELECT with FORMAT JSONEachRow and return a list of dicts."""
        text = self.query(sql + " FORMAT JSONEachRow")
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def insert_json_each_row(self, table, body):
        return self.query(f"INSERT INTO {table} FORMAT JSONEachRow", body=body)


def http_request(base_url, sql=None, body=None, params=None, path="/", method=None,
                 headers=None, timeout_s=300.0):
    """Send one request and return (status, body text, response headers).

    `sql` goes in the body unless `body` is given, in which case `sql` goes in
    the `query` URL parameter (ClickHouse's way to send INSERT data). HTTP
    error statuses are returned, not raised.
    """
    query = dict(params or {})
    if body is None:
        data = sql.encode("utf-8") if sql is not None else None
    else:
        if sql is not None:
            query["query"] = sql
        data = body if isinstance(body, bytes) else body.encode("utf-8")
    target = base_url + path
    if query:
        target += "?" + urllib.parse.urlencode(query)
    request = urllib.request.Request(target, data=data, method=method,
                                     headers=dict(headers or {}))
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return response.status, response.read().decode("utf-8", "replace"), response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", "replace"), error.headers


_TSV_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\", "'": "'", "b": "\b",
                "f": "\f", "0": "\0", "a": "\a", "v": "\v"}


def unescape_tsv(cell):
    """Decode one TabSeparated value; `\\N` alone is NULL and becomes None."""
    if cell == "\\N":
        return None
    if "\\" not in cell:
        return cell
    out = []
    i = 0
    while i < len(cell):
        char = cell[i]
        if char == "\\" and i + 1 < len(cell):
            out.append(_TSV_ESCAPES.get(cell[i + 1], cell[i + 1]))
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


class Checks:
    """Named checks of one test script, run in order; failures do not stop it.

    Prints `ok NAME` or `FAIL NAME` with the expected and actual values, and
    a closing `NAME: N passed, N failed` line that ctest output shows.
    """

    def __init__(self, suite):
        self.suite = suite
        self.passed = 0
        self.failed = []

    def equal(self, name, expected, actual):
        if expected == actual:
            self.passed += 1
            print(f"ok {name}", flush=True)
            return True
        self.failed.append(name)
        print(f"FAIL {name}\n  expected: {_shorten(expected)}\n  actual:   {_shorten(actual)}",
              flush=True)
        return False

    def true(self, name, condition, detail=""):
        if condition:
            self.passed += 1
            print(f"ok {name}", flush=True)
            return True
        self.failed.append(name)
        print(f"FAIL {name}" + (f"\n  {detail}" if detail else ""), flush=True)
        return False

    def error(self, name, exception):
        """Record a check that could not run because a request failed."""
        self.failed.append(name)
        print(f"FAIL {name}\n  {exception}", flush=True)

    def finish(self):
        """Print the summary and return the exit status (1 if any check failed)."""
        print(f"{self.suite}: {self.passed} passed, {len(self.failed)} failed", flush=True)
        if self.failed:
            print("failed checks: " + ", ".join(self.failed), flush=True)
        return 1 if self.failed else 0


def _shorten(value, limit=3000):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"
