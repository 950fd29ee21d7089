"""Integration tests of the native protocol, the furl shell and a Python client.

Starts a real furld with --native-port over a temporary data directory on a
free loopback port, then drives it with `furl --query`, the interactive shell under a pseudo-terminal, and a
Python client generated from protocol/furl.thrift with `thrift --gen py`.
Every server started here is stopped by its PID at the end.
"""

import argparse
import base64
import ctypes
import os
import pty
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

PASSWORD = "secret"
FAILURES = []


def check(condition, message):
    if not condition:
        FAILURES.append(message)
        print("FAIL:", message, flush=True)
    return condition


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A native server process on 127.0.0.1 with a temporary data directory."""

    def __init__(self, args):
        self.data_dir = tempfile.mkdtemp(prefix="furl-native-")
        self.port = free_port()
        self.http_port = free_port()
        command = [args.furld, "--data-dir", self.data_dir, "--http-port", str(self.http_port),
                   "--native-port", str(self.port), "--native-password", PASSWORD]
        self.log = open(os.path.join(self.data_dir, "server.log"), "w")
        self.process = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    break
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"native server did not start on port {self.port}: {' '.join(command)}")

    def stop(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        shutil.rmtree(self.data_dir, ignore_errors=True)


def run_furl(args, server, *extra, stdin=None, timeout=300):
    command = [args.furl, "--port", str(server.port), "--password", PASSWORD, *extra]
    return subprocess.run(command, input=stdin, capture_output=True, timeout=timeout)


# --- Python client generated from the IDL --------------------------------------

def load_python_client(args):
    os.makedirs(args.gen_dir, exist_ok=True)
    subprocess.run(["thrift", "--gen", "py", "-out", args.gen_dir, args.idl], check=True)
    sys.path.insert(0, args.gen_dir)
    from furl_native import FurlNative, ttypes  # noqa: E402
    from thrift.protocol import TCompactProtocol
    from thrift.transport import TSocket, TTransport
    return FurlNative, ttypes, TCompactProtocol, TSocket, TTransport


class PyClient:
    """A minimal Python client: handshake, execute, fetch and decode."""

    def __init__(self, modules, port, password=PASSWORD, compression=True, protocol_version=1,
                 settings=None, database="default"):
        FurlNative, self.ttypes, TCompactProtocol, TSocket, TTransport = modules
        self.socket = TSocket.TSocket("127.0.0.1", port)
        self.socket.setTimeout(60_000)
        self.transport = TTransport.TFramedTransport(self.socket)
        self.client = FurlNative.Client(TCompactProtocol.TCompactProtocol(self.transport))
        self.transport.open()
        t = self.ttypes
        accepted = [t.Compression.LZ4, t.Compression.NONE] if compression else [t.Compression.NONE]
        self.handshake = self.client.handshake(t.HandshakeRequest(
            clientName="python-test", clientVersion="1", protocolVersion=protocol_version, user="default",
            password=password, acceptedCompression=accepted, settings=settings or {}, database=database))
        self.session = self.handshake.sessionId

    def close(self):
        self.transport.close()

    def execute(self, sql, settings=None):
        return self.client.executeQuery(self.ttypes.ExecuteRequest(
            sessionId=self.session, sql=sql, settings=settings or {}))

    def fetch_all(self, query_id):
        """Returns (columns, rows, summary); rows are lists of Python values."""
        columns, rows = None, []
        while True:
            result = self.client.fetchBatch(self.ttypes.FetchRequest(
                sessionId=self.session, queryId=query_id, maxWaitMs=100))
            if result.columns is not None:
                columns = result.columns
            if result.status == self.ttypes.FetchStatus.BATCH:
                rows.extend(decode_batch(self.ttypes, columns, result.batch))
            elif result.status == self.ttypes.FetchStatus.FINISHED:
                return columns, rows, result.summary


_lz4 = None


def lz4_decompress(data, size):
    global _lz4
    if _lz4 is None:
        _lz4 = ctypes.CDLL("liblz4.so.1")
    out = ctypes.create_string_buffer(size)
    n = _lz4.LZ4_decompress_safe(data, out, len(data), size)
    if n != size:
        raise ValueError(f"LZ4 block decompressed to {n} bytes, expected {size}")
    return out.raw


FIXED = {1: "<B", 2: "<b", 3: "<h", 4: "<i", 5: "<q", 6: "<B", 7: "<H", 8: "<I", 9: "<Q",
         10: "<f", 11: "<d", 12: "<i", 13: "<q", 14: "<q"}


def decode_batch(ttypes, columns, batch):
    """Decodes a ColumnBatch into rows, following the layout in furl.thrift."""
    n = batch.numRows
    decoded = []
    for info, data in zip(columns, batch.columns):
        body = data.body
        if data.compression == ttypes.Compression.LZ4:
            body = lz4_decompress(body, data.uncompressedSize)
        assert len(body) == data.uncompressedSize
        valid = [True] * n
        if data.hasNulls:
            bitmap = body[:(n + 7) // 8]
            body = body[(n + 7) // 8:]
            valid = [(bitmap[i >> 3] >> (i & 7)) & 1 == 1 for i in range(n)]
        if info.type in (ttypes.ColumnType.STRING, ttypes.ColumnType.HLL_SKETCH):
            ends = struct.unpack_from(f"<{n}I", body, 0)
            payload = body[4 * n:]
            values, start = [], 0
            for end in ends:
                value = payload[start:end]
                # Strings are text; sketches stay bytes, as do strings that
                # carry a sketch to a version-1 client.
                if info.type == ttypes.ColumnType.STRING and not value.startswith(b"FHLL"):
                    value = value.decode()
                values.append(value)
                start = end
        elif info.type == ttypes.ColumnType.NOTHING:
            values = [None] * n
        else:
            fmt = FIXED[info.type]
            values = list(struct.unpack(f"<{n}{fmt[1]}", body))
        decoded.append([v if ok else None for v, ok in zip(values, valid)])
    return [list(row) for row in zip(*decoded)]


# --- tests -----------------------------------------------------------------------

def test_query_cli(args, server):
    result = run_furl(args, server, "--query",
                      "CREATE TABLE t (a Int64, s Nullable(String)) ENGINE = MergeTree ORDER BY a; "
                      "INSERT INTO t VALUES (1, 'x'), (2, NULL); SELECT a, s FROM t ORDER BY a")
    check(result.returncode == 0, f"furl --query exit code {result.returncode}: {result.stderr!r}")
    check(result.stdout == b"1\tx\n2\t\\N\n", f"furl --query output {result.stdout!r}")

    result = run_furl(args, server, "--format", "JSONEachRow", "--query", "SELECT a FROM t ORDER BY a")
    check(result.stdout == b'{"a":"1"}\n{"a":"2"}\n', f"JSONEachRow output {result.stdout!r}")

    result = run_furl(args, server, "--format", "CSVWithNames", "--query", "SELECT a, s FROM t ORDER BY a")
    check(result.stdout == b'"a","s"\n1,"x"\n2,\\N\n', f"CSVWithNames output {result.stdout!r}")

    result = run_furl(args, server, "--query", "SELECT nope FROM t")
    check(result.returncode != 0, "an unknown column must give a non-zero exit code")
    check(b"Code: 47" in result.stderr, f"unknown column error on stderr: {result.stderr!r}")

    result = run_furl(args, server, "--query", "INSERT INTO t FORMAT JSONEachRow",
                      stdin=b'{"a": 3, "s": "y"}\n{"a": 4}\n')
    check(result.returncode == 0, f"INSERT FORMAT JSONEachRow from stdin: {result.stderr!r}")
    result = run_furl(args, server, "--query", "SELECT count(*) FROM t; SELECT count(*) FROM t WHERE s IS NULL")
    check(result.stdout == b"4\n2\n", f"rows after the stdin insert: {result.stdout!r} {result.stderr!r}")

    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write("SELECT 1;\n-- a comment; with a semicolon\nSELECT 'a;b';\n")
    result = run_furl(args, server, "--file", script.name)
    os.unlink(script.name)
    check(result.stdout == b"1\na;b\n", f"furl --file output {result.stdout!r}")

    help_text = subprocess.run([args.furl, "--help"], capture_output=True).stdout.decode()
    for option in ["--host", "--port", "--user", "--password", "--query", "--file", "--format"]:
        check(option in help_text, f"--help lists {option}")

    result = run_furl(args, server, "--password", "wrong", "--query", "SELECT 1")
    check(result.returncode != 0 and b"Code: 516" in result.stderr,
          f"wrong password must fail with code 516: {result.stderr!r}")

    # The HTTP port by mistake: the error names the native port option.
    result = subprocess.run([args.furl, "--port", str(server.http_port), "--query", "SELECT 1"],
                            capture_output=True, timeout=60)
    check(result.returncode != 0 and b"furld --native-port" in result.stderr,
          f"furl on the HTTP port must point to the native port: {result.stderr!r}")
    # A closed port: one error line, without Thrift's own message.
    result = subprocess.run([args.furl, "--port", str(free_port()), "--query", "SELECT 1"],
                            capture_output=True, timeout=60)
    check(result.returncode != 0 and result.stderr.count(b"\n") == 1 and b"Thrift:" not in result.stderr,
          f"a closed port must give one error line: {result.stderr!r}")


def test_python_client(args, server, modules):
    for compression in (True, False):
        client = PyClient(modules, server.port, compression=compression)
        query_id = client.execute("SELECT a, s, toDate('2020-01-02') AS d FROM t ORDER BY a")
        columns, rows, summary = client.fetch_all(query_id)
        check([c.name for c in columns] == ["a", "s", "d"], f"column names {columns}")
        check(rows == [[1, "x", 18263], [2, None, 18263], [3, "y", 18263], [4, None, 18263]],
              f"rows through the Python client (compression={compression}): {rows}")
        check(summary.resultRows == 4, f"summary result rows {summary.resultRows}")
        client.close()

    client = PyClient(modules, server.port)
    try:
        client.fetch_all(client.execute("SELECT FROM"))
        check(False, "a syntax error must raise QueryException")
    except modules[1].QueryException as error:
        check(error.code == 62 and error.line == 1 and error.column > 0,
              f"syntax error code and position: {error.code} {error.line}:{error.column}")
    client.close()


def expect_exception(modules, call, code, description):
    try:
        call()
        check(False, f"{description}: expected QueryException {code}, got success")
    except modules[1].QueryException as error:
        check(error.code == code, f"{description}: code {error.code}: {error.message}")


def test_readonly_session(args, server, modules):
    client = PyClient(modules, server.port, settings={"readonly": "1"})
    count = "SELECT count() FROM t"
    columns, before, _ = client.fetch_all(client.execute(count))
    # Neither SET, nor settings sent with a query, nor a streaming INSERT lift it.
    expect_exception(modules, lambda: client.fetch_all(client.execute("SET readonly = 0")), 164, "SET readonly = 0")
    expect_exception(modules, lambda: client.fetch_all(client.execute("INSERT INTO t VALUES (9, 'z')")), 164,
                     "INSERT after SET readonly = 0")
    expect_exception(modules, lambda: client.execute("INSERT INTO t VALUES (9, 'z')", settings={"readonly": "0"}),
                     164, "INSERT with readonly = 0 sent with the query")
    expect_exception(modules, lambda: client.client.beginInsert(client.session, "INSERT INTO t FORMAT Native", "", {}),
                     164, "beginInsert in a read-only session")
    columns, after, _ = client.fetch_all(client.execute(count))
    check(before == after, f"rows unchanged in a read-only session: {before} then {after}")
    client.close()


def test_current_database(args, server, modules):
    client = PyClient(modules, server.port, database="system")
    columns, rows, _ = client.fetch_all(client.execute("SELECT name FROM tables WHERE name = 't'"))
    check(rows == [["t"]], f"system.tables as the current database: {rows}")
    columns, rows, _ = client.fetch_all(client.execute("SELECT a FROM default.t WHERE a = 1"))
    check(rows == [[1]], f"a qualified default table: {rows}")
    expect_exception(modules, lambda: client.client.beginInsert(client.session, "INSERT INTO t FORMAT Native", "", {}),
                     164, "beginInsert into a table of 'system'")
    client.close()
    expect_exception(modules, lambda: PyClient(modules, server.port, database="nope"), 81, "unknown database")


def test_sketch_columns(args, server, modules):
    result = run_furl(args, server, "--query",
                      "CREATE TABLE sk (id Int64, users HLLSketch) ENGINE = MergeTree ORDER BY id; "
                      "INSERT INTO sk SELECT 1, DS_HLL(number) FROM numbers(1000)")
    check(result.returncode == 0, f"creating the sketch table: {result.stderr!r}")

    sketches = {}
    for version in (1, 2):
        client = PyClient(modules, server.port, protocol_version=version)
        check(client.handshake.protocolVersion == version, f"negotiated version {client.handshake.protocolVersion}")
        columns, rows, _ = client.fetch_all(client.execute("SELECT users FROM sk"))
        t = modules[1]
        expected_type = t.ColumnType.HLL_SKETCH if version >= 2 else t.ColumnType.STRING
        check(columns[0].type == expected_type, f"protocol {version}: sketch column type {columns[0].type}")
        check(columns[0].typeName == ("HLLSketch" if version >= 2 else "String"),
              f"protocol {version}: type name {columns[0].typeName}")
        check(len(rows) == 1 and rows[0][0][:4] == b"FHLL", f"protocol {version}: sketch bytes {rows!r}"[:300])
        sketches[version] = rows[0][0]
        client.close()
    check(sketches[1] == sketches[2], "both protocol versions carry the same sketch bytes")

    # The shell prints a sketch as the base64 text of its bytes, as Druid does.
    result = run_furl(args, server, "--query", "SELECT users FROM sk")
    check(result.stdout == base64.b64encode(sketches[2]) + b"\n", f"the shell prints base64: {result.stdout[:80]!r}")


def test_large_result(args, server):
    statements = ["CREATE TABLE big (id UInt64, s String) ENGINE = MergeTree ORDER BY id",
                  "INSERT INTO big VALUES (1, 'the quick brown fox jumps over the lazy dog')"]
    statements += ["INSERT INTO big SELECT id + 1, s FROM big"] * 20
    result = run_furl(args, server, "--query", ";".join(statements))
    check(result.returncode == 0, f"building the big table: {result.stderr!r}")

    command = [args.furl, "--port", str(server.port), "--password", PASSWORD, "--query",
               "SELECT concat(s, s, s) FROM big"]
    started = time.time()
    process = subprocess.Popen(command, stdout=subprocess.PIPE)
    total, lines = 0, 0
    while True:
        chunk = process.stdout.read(1 << 20)
        if not chunk:
            break
        total += len(chunk)
        lines += chunk.count(b"\n")
    process.wait()
    elapsed = time.time() - started
    print(f"large result: {total} bytes, {lines} rows in {elapsed:.2f} s", flush=True)
    check(process.returncode == 0, "furl exit code for the large result")
    check(lines == 1 << 20, f"large result rows {lines}")
    check(total > 100 * 1000 * 1000, f"large result bytes {total}")


def test_cancel(args, server, modules):
    # A trillion rows: at about a billion rows a second this runs for many
    # minutes. The engine checks for cancellation between morsels of 65536
    # rows, so a cancel ends it within milliseconds. The check allows 10 s,
    # which still fails if the cancel is ignored, because a test must not
    # time the engine on a shared machine.
    sql = "SELECT sum(number) FROM numbers(1000000000000)"
    runner = PyClient(modules, server.port)
    canceller = PyClient(modules, server.port)
    query_id = runner.execute(sql, {"max_threads": "1"})
    time.sleep(1.0)
    outcome = {}

    def fetch():
        try:
            runner.fetch_all(query_id)
            outcome["error"] = None
        except modules[1].QueryException as error:
            outcome["error"] = error
        outcome["at"] = time.time()

    thread = threading.Thread(target=fetch)
    thread.start()
    cancelled_at = time.time()
    check(canceller.client.cancelQuery(canceller.session, query_id), "cancelQuery from another connection")
    thread.join(30)
    latency_ms = (outcome.get("at", time.time()) - cancelled_at) * 1000
    print(f"cancel latency: {latency_ms:.0f} ms", flush=True)
    error = outcome.get("error")
    check(error is not None and error.code == 394, f"cancelled query ends with code 394: {error}")
    check(latency_ms < 10000, f"cancel latency {latency_ms:.0f} ms must be below 10 s")
    check(not canceller.client.cancelQuery(canceller.session, query_id), "a finished query is not cancelled again")
    runner.close()
    canceller.close()


def test_bad_clients(args, server, modules):
    ttypes = modules[1]
    client = PyClient(modules, server.port)
    try:
        client.client.handshake(ttypes.HandshakeRequest(clientName="x", clientVersion="1", protocolVersion=0,
                                                        user="default", password=PASSWORD))
        check(False, "protocol version 0 must be rejected")
    except ttypes.QueryException as error:
        check(error.code == 36, f"bad protocol version gives code 36: {error.code}")
    try:
        client.client.executeQuery(ttypes.ExecuteRequest(sessionId="no-such-session", sql="SELECT 1"))
        check(False, "an unknown session must be rejected")
    except ttypes.QueryException as error:
        check(error.code == 36, f"unknown session gives code 36: {error.code}")
    client.close()

    try:
        PyClient(modules, server.port, password="wrong")
        check(False, "a wrong password must be rejected")
    except ttypes.QueryException as error:
        check(error.code == 516, f"wrong password gives code 516: {error.code}")

    # Garbage: a frame header announcing 2 GiB, then random bytes.
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"\x7f\xff\xff\xff" + os.urandom(1000))
        sock.settimeout(10)
        try:
            closed = sock.recv(100) == b""
        except ConnectionResetError:
            closed = True
        check(closed, "the server closes a connection that sends garbage")

    # Garbage inside a valid frame.
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        payload = os.urandom(200)
        sock.sendall(struct.pack(">I", len(payload)) + payload)
        sock.settimeout(10)
        try:
            sock.recv(100)
        except (ConnectionResetError, socket.timeout):
            pass

    # Abrupt disconnect in the middle of a running query.
    client = PyClient(modules, server.port)
    # Every row's string differs, so the expression runs once per row, not
    # once per dictionary entry.
    client.execute("SELECT count(*) FROM big WHERE match(replaceRegexpAll(concat(s, toString(id)), '(.)', "
                   "'\\\\1\\\\1'), 'z')")
    client.socket.handle.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client.socket.handle.close()

    client = PyClient(modules, server.port)
    _, rows, _ = client.fetch_all(client.execute("SELECT count(*) FROM t"))
    check(rows == [[4]], f"the server still serves after bad clients: {rows}")
    client.close()


class Pty:
    """The furl shell under a pseudo-terminal."""

    def __init__(self, args, server, home):
        env = dict(os.environ, HOME=home, TERM="xterm")
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            os.execve(args.furl, [args.furl, "--port", str(server.port), "--password", PASSWORD], env)
        self.output = b""

    def read_until(self, needle, timeout=30):
        deadline = time.time() + timeout
        while needle not in self.output and time.time() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.1)
            if ready:
                try:
                    self.output += os.read(self.fd, 65536)
                except OSError:
                    break
        return needle in self.output

    def send(self, data):
        os.write(self.fd, data)

    def close(self):
        try:
            os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)


def test_shell(args, server):
    home = tempfile.mkdtemp(prefix="furl-home-")
    shell = Pty(args, server, home)
    try:
        check(shell.read_until(b"furl :) "), f"the shell prompts: {shell.output[-300:]!r}")

        # A statement over two lines runs once the ';' arrives.
        shell.output = b""
        shell.send(b"SELECT 40 +\r")
        check(shell.read_until(b":-] "), "a continuation prompt after an unfinished statement")
        shell.send(b"2 AS answer;\r")
        check(shell.read_until(b"1 row in set"), f"multi-line statement result: {shell.output[-500:]!r}")
        check(b"42" in shell.output and b"answer" in shell.output, "the table shows the column and value")

        # Up-arrow recalls the statement; Enter runs it again.
        shell.read_until(b"furl :) ")
        shell.output = b""
        shell.send(b"\x1b[A")
        time.sleep(0.3)
        shell.send(b"\r")
        check(shell.read_until(b"1 row in set"), f"history recall with up-arrow: {shell.output[-500:]!r}")

        # Ctrl-C cancels a long query and the shell keeps running.
        shell.read_until(b"furl :) ")
        shell.output = b""
        # concat() gives every row another string, so the regular expressions
        # run per row, not once per dictionary entry.
        shell.send(b"SELECT count(*) FROM big WHERE match(replaceRegexpAll(replaceRegexpAll(concat(s, toString(id)), '(.)', "
                   b"'\\\\1\\\\1'), '(.)', '\\\\1\\\\1'), 'z.*q');\r")
        time.sleep(1.5)
        shell.send(b"\x03")
        check(shell.read_until(b"Query was cancelled", timeout=30), f"Ctrl-C cancels: {shell.output[-500:]!r}")
        check(shell.read_until(b"furl :) "), "the shell prompts again after Ctrl-C")
        shell.output = b""
        shell.send(b"SELECT 7;\r")
        check(shell.read_until(b"1 row in set"), "the shell still runs queries after Ctrl-C")

        shell.send(b"\x04")
        time.sleep(0.5)
    finally:
        shell.close()
    # libedit writes history lines vis(3)-encoded: a space is \040.
    history = open(os.path.join(home, ".furl_history"), "rb").read().replace(b"\\040", b" ")
    check(b"SELECT 40 + 2 AS answer;" in history, f"history file contents: {history[:300]!r}")
    shutil.rmtree(home, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--furld", help="furld with --native-port")
    parser.add_argument("--furl", required=True)
    parser.add_argument("--idl", required=True)
    parser.add_argument("--gen-dir", required=True)
    args = parser.parse_args()
    if not args.furld:
        parser.error("pass --furld")

    modules = load_python_client(args)
    server = Server(args)
    try:
        for name, test in [("query_cli", lambda: test_query_cli(args, server)),
                           ("python_client", lambda: test_python_client(args, server, modules)),
                           ("readonly_session", lambda: test_readonly_session(args, server, modules)),
                           ("current_database", lambda: test_current_database(args, server, modules)),
                           ("sketch_columns", lambda: test_sketch_columns(args, server, modules)),
                           ("large_result", lambda: test_large_result(args, server)),
                           ("cancel", lambda: test_cancel(args, server, modules)),
                           ("bad_clients", lambda: test_bad_clients(args, server, modules)),
                           ("shell", lambda: test_shell(args, server))]:
            before = len(FAILURES)
            try:
                test()
            except Exception as error:  # a crash in one test must not hide the others
                check(False, f"{name} raised {type(error).__name__}: {error}")
            print(f"{'ok' if len(FAILURES) == before else 'FAILED'}: {name}", flush=True)
        check(server.process.poll() is None, "the server is still running at the end")
    finally:
        server.stop()
    if FAILURES:
        print(f"{len(FAILURES)} failures", flush=True)
        sys.exit(1)
    print("all native protocol tests passed", flush=True)


if __name__ == "__main__":
    main()
