#!/usr/bin/env python3
"""Check that a damaged segment file gives a clear error and harms nothing else.

Loads two tables, flips bytes inside a data block of one table's segment file
while furld runs, and expects a query over that table to fail with
CORRUPTED_DATA naming the segment, while the other table, new inserts and
/ping keep working.

    python3 tests/integration/corruption.py [--furld build/bin/furld]
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import Checks, FurlServer  # noqa: E402

ROWS = 5000


def segment_files(data_dir):
    found = []
    for root, _, files in os.walk(data_dir):
        for name in files:
            if name.startswith("seg_"):
                found.append(os.path.join(root, name))
    return sorted(found)


def main():
    checks = Checks("corruption")
    server = FurlServer.from_args(description=__doc__)
    with server:
        server.query("CREATE TABLE damaged (id Int64, name String) ENGINE = MergeTree ORDER BY id")
        rows = "".join(f"{i}\tname{i}\n" for i in range(ROWS))
        server.query("INSERT INTO damaged FORMAT TabSeparated", body=rows)
        before = set(segment_files(server.data_dir))
        server.query("CREATE TABLE healthy (id Int64) ENGINE = MergeTree ORDER BY id")
        server.query("INSERT INTO healthy FORMAT TabSeparated", body="".join(f"{i}\n" for i in range(100)))
        checks.equal("damaged.count_before", [[str(ROWS)]], server.query_rows("SELECT count(*) FROM damaged"))

        files = sorted(before)
        checks.true("damaged.one_segment_file", len(files) == 1, f"segment files: {files}")
        if not files:
            return checks.finish()
        path = files[0]
        segment_id = os.path.basename(path).split(".")[0]
        # Past the 16-byte header the first column's first block starts;
        # overwrite bytes there so its checksum no longer matches.
        with open(path, "r+b") as f:
            f.seek(20)
            chunk = bytearray(f.read(16))
            f.seek(20)
            f.write(bytes(b ^ 0xFF for b in chunk))

        status, text, _ = server.request("SELECT sum(id), max(name) FROM damaged")
        checks.true("damaged.query_fails", status >= 500, f"status {status}: {text}")
        checks.true("damaged.code_246", text.startswith("Code: 246."), text)
        checks.true("damaged.names_segment", segment_id in text, text)

        checks.equal("healthy.still_readable", [["100"]], server.query_rows("SELECT count(*) FROM healthy"))
        server.query("INSERT INTO healthy VALUES (1000)")
        checks.equal("healthy.insert_works", [["101"]], server.query_rows("SELECT count(*) FROM healthy"))
        status, text, _ = server.request(path="/ping", method="GET")
        checks.equal("server.ping", (200, "Ok.\n"), (status, text))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
