"""Compare fetching one large result over the native protocol and over HTTP.

Runs the same SELECT through `furl --format TSV` (native protocol, LZ4) and
through the HTTP interface with FORMAT TabSeparated and JSONEachRow, reads
every byte, and prints seconds, bytes and MB/s per path. When
clickhouse-client is on PATH and --clickhouse-port is given, it is timed too.
Not part of CI: start the servers first (furld for HTTP, a native server
with a loaded table for furl), all on 127.0.0.1.

    python3 bench/native/fetch_large_result.py --native-port 9100 \
        --http-port 8123 --furl build/bin/furl --query 'SELECT * FROM big'
"""

import argparse
import shutil
import subprocess
import time
import urllib.parse
import urllib.request


def timed_stream(label, read_chunks):
    start = time.perf_counter()
    total = 0
    for chunk in read_chunks():
        total += len(chunk)
    seconds = time.perf_counter() - start
    print(f"{label:28} {seconds:8.3f} s {total:14,d} bytes {total / seconds / 1e6:9.1f} MB/s", flush=True)


def process_chunks(command):
    def read():
        with subprocess.Popen(command, stdout=subprocess.PIPE) as process:
            while chunk := process.stdout.read(1 << 20):
                yield chunk
            if process.wait() != 0:
                raise RuntimeError(f"{command[0]} exited with {process.returncode}")
    return read


def http_chunks(port, sql):
    def read():
        url = f"http://127.0.0.1:{port}/?" + urllib.parse.urlencode({"query": sql})
        with urllib.request.urlopen(url) as response:
            while chunk := response.read(1 << 20):
                yield chunk
    return read


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--furl", default="build/bin/furl")
    parser.add_argument("--native-port", type=int, required=True)
    parser.add_argument("--http-port", type=int)
    parser.add_argument("--clickhouse-port", type=int, help="native port of a ClickHouse server to compare with")
    parser.add_argument("--query", default="SELECT * FROM big")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    for _ in range(args.repeat):
        timed_stream("native, furl TSV, LZ4", process_chunks(
            [args.furl, "--port", str(args.native_port), "--format", "TSV", "--query", args.query]))
        timed_stream("native, furl TSV, no LZ4", process_chunks(
            [args.furl, "--port", str(args.native_port), "--no-compression", "--format", "TSV", "--query", args.query]))
        if args.http_port:
            timed_stream("HTTP TabSeparated", http_chunks(args.http_port, args.query + " FORMAT TabSeparated"))
            timed_stream("HTTP JSONEachRow", http_chunks(args.http_port, args.query + " FORMAT JSONEachRow"))
        if args.clickhouse_port and shutil.which("clickhouse-client"):
            timed_stream("clickhouse-client TSV", process_chunks(
                ["clickhouse-client", "--port", str(args.clickhouse_port), "--format", "TSV", "--query", args.query]))


if __name__ == "__main__":
    main()
