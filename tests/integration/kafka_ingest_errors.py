#!/usr/bin/env python3
"""Malformed Kafka messages and counters across restarts, read through SQL.

Starts furl-kafka-broker and furld, ingests a topic that mixes valid and
malformed messages with the plain Wikipedia spec, and checks:

- system.ingest_errors keeps every malformed message with its topic,
  partition, offset, reason, error and raw bytes (cut to 1024 bytes);
- system.supervisors and sys.supervisors show the supervisor and its
  counters;
- after SIGKILL, both once the errors were committed and while some were
  not, the counters and the kept errors come back exactly: nothing lost,
  nothing twice.

    python3 tests/integration/kafka_ingest_errors.py --furld build/bin/furld \\
        --broker build/bin/furl-kafka-broker --kcat kcat
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_ingest import (  # noqa: E402
    PLAIN_SPEC, api, make_spec, produce, run_kafka_test, sample_lines, wait_for)

LONG_RAW_BYTES = 3000
RAW_LIMIT = 1024


def supervisor_row(server, supervisor_id):
    rows = server.query_rows(
        "SELECT state, topic, processed, processed_with_error, thrown_away, unparseable, "
        "committed_offsets = current_offsets FROM system.supervisors "
        f"WHERE id = '{supervisor_id}'")
    return rows[0] if rows else None


def counters(server, supervisor_id):
    row = supervisor_row(server, supervisor_id)
    return None if row is None else [int(v) for v in row[2:6]]


def committed(server, supervisor_id):
    row = supervisor_row(server, supervisor_id)
    return row is not None and row[6] in ("1", "true")


def errors(server, supervisor_id):
    return server.query_rows(
        "SELECT topic, partition, kafka_offset, reason, raw, raw_bytes FROM system.ingest_errors "
        f"WHERE supervisor = '{supervisor_id}' ORDER BY partition, kafka_offset")


def main():
    good = sample_lines(200)
    return run_kafka_test("kafka_ingest_errors", ["bad:2"],
                          lambda checks, server, broker, args: run_checks(checks, server, broker, args.kcat, good))


def run_checks(checks, server, broker, kcat, good):
    address = broker.address
    spec = make_spec(PLAIN_SPEC, address, dataSource="bad", topic="bad", useEarliestOffset=True)
    # Persist often, so commits happen without waiting minutes.
    spec["spec"]["tuningConfig"]["intermediatePersistPeriod"] = "PT0.5S"

    # Messages without a key go to both partitions; the checks sort by offset.
    malformed = [
        "not json at all",
        '{"time": "yesterday", "channel": "#bad"}',
        '{"channel": "#no.time"}',
        "[1, 2, 3]",
        '{"time": "2015-09-12T05:00:00Z", "channel": "#typed", "added": "lots"}',
        "{" + "x" * (LONG_RAW_BYTES - 1),
    ]
    produce(kcat, address, "bad", good[:100] + malformed + good[100:])
    produce(kcat, address, "bad", ["null-value\t"], keyed=True)
    status, body = api(server, "POST", body=spec)
    checks.equal("submit spec", 200, status)

    expected_counters = [len(good) + 0, 1, 0, 6]  # processed, with error, thrown away, unparseable
    wait_for("every message counted", lambda: counters(server, "bad") == expected_counters, 120)
    checks.equal("counters", expected_counters, counters(server, "bad"))
    checks.equal("supervisor row", ["RUNNING", "bad"], supervisor_row(server, "bad")[:2])
    checks.equal("sys.supervisors", [["bad", "RUNNING", "1", "kafka", "bad", "0"]], server.query_rows(
        "SELECT supervisor_id, state, healthy, type, source, suspended FROM sys.supervisors"))

    wait_for("errors committed", lambda: committed(server, "bad") and len(errors(server, "bad")) == 7, 60)
    kept = errors(server, "bad")
    checks.equal("kept errors", 7, len(kept))
    reasons = sorted(row[3] for row in kept)
    checks.equal("kept reasons", ["empty", "invalid_field", "invalid_json", "invalid_json", "invalid_json",
                                  "invalid_timestamp", "invalid_timestamp"], reasons)
    by_raw = {row[4]: row for row in kept}
    checks.true("raw of a short message", "not json at all" in by_raw, f"rows: {kept}")
    long_rows = [row for row in kept if row[4].startswith("{xxx")]
    checks.equal("long raw cut to the limit", [[RAW_LIMIT, str(LONG_RAW_BYTES)]],
                 [[len(row[4]), row[5]] for row in long_rows])
    checks.true("topic and offsets", all(row[0] == "bad" and int(row[2]) >= 0 for row in kept), f"rows: {kept}")
    checks.equal("distinct positions", 7, len({(row[1], row[2]) for row in kept}))
    detail = server.query_rows("SELECT error FROM system.ingest_errors WHERE reason = 'invalid_timestamp' "
                               "AND raw LIKE '%yesterday%'")
    checks.true("error text names the problem", len(detail) == 1 and detail[0][0] != "", f"rows: {detail}")

    # Crash after the commit: counters and errors come back as they were.
    server.kill()
    server.start()
    wait_for("supervisor restarted", lambda: supervisor_row(server, "bad") is not None, 60)
    checks.equal("counters after restart", expected_counters, counters(server, "bad"))
    checks.equal("errors after restart", kept, errors(server, "bad"))

    # Crash while new errors are not committed yet: they are read again,
    # and each is kept and counted once.
    more = ["still not json", '{"channel": "#no.time.again"}']
    produce(kcat, address, "bad", more + good[:10])
    wait_for("new messages counted", lambda: counters(server, "bad")[3] == 8, 60, 0.005)
    uncommitted = not committed(server, "bad")
    server.kill()
    print(f"killed furld with the new messages {'not ' if uncommitted else ''}yet committed", flush=True)
    server.start()
    expected_counters = [len(good) + 10, 1, 0, 8]
    wait_for("counters after the second crash", lambda: counters(server, "bad") == expected_counters, 120)
    wait_for("errors committed again", lambda: committed(server, "bad") and len(errors(server, "bad")) == 9, 60)
    time.sleep(1.0)  # a repeated commit would land now
    checks.equal("counters exact after crash", expected_counters, counters(server, "bad"))
    final = errors(server, "bad")
    checks.equal("errors exact after crash", 9, len(final))
    checks.equal("earlier errors unchanged", kept, [row for row in final if row in kept])
    checks.equal("rows exact after crash", str(len(good) + 10 + 1), server.query_rows(
        "SELECT count(*) FROM bad")[0][0])


if __name__ == "__main__":
    sys.exit(main())
