#!/usr/bin/env python3
"""A partition whose start offset is resolved by its first message.

A supervisor without stored offsets reads each assigned partition's
watermarks to fix its start. When that query fails, the partition is
assigned at the logical offset (earliest here), and the consumer takes the
offset of the first message it reads as the start. The broker returns
TOPIC_AUTHORIZATION_FAILED for the first two ListOffsets requests (the
watermark query's earliest and latest offsets), and the test checks:

- furld logs the partition as assigned with source=unresolved;
- every produced event is ingested once, and the status shows the offset
  after the last one;
- after SIGKILL and a restart, the supervisor goes on from the offset
  stored with the persisted rows: every event, including ones produced
  after the restart, is counted exactly once;
- the stats' rowsCommitted and commits, stored with each persist, keep
  their values through suspend, resume and the restart.

    python3 tests/integration/kafka_unresolved_start.py --furld build/bin/furld \\
        --broker build/bin/furl-kafka-broker --kcat kcat
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_ingest import (  # noqa: E402
    PLAIN_SPEC, api, count, make_spec, produce, run_kafka_test, sample_lines, scalar, stats, wait_for)

TOPIC = "unresolved"
TABLE = "unresolved_start"
FIRST_EVENTS = 35
LATER_EVENTS = 20
# Kafka API key 2 is ListOffsets, error 29 TOPIC_AUTHORIZATION_FAILED. The
# first check below shows that the watermark query failed.
BROKER_ARGS = ["--request-errors", "2:2:29"]


def added_sum(lines):
    return sum(json.loads(line)["added"] for line in lines)


def committed(server):
    """Returns the supervisor's (rowsCommitted, commits)."""
    body = stats(server, TABLE)
    return body["rowsCommitted"], body["commits"]


def run_checks(checks, server, broker, args):
    lines = sample_lines(FIRST_EVENTS + LATER_EVENTS)
    first, later = lines[:FIRST_EVENTS], lines[FIRST_EVENTS:]
    produce(args.kcat, broker.address, TOPIC, first)

    spec = make_spec(PLAIN_SPEC, broker.address, topic=TOPIC, dataSource=TABLE, useEarliestOffset=True)
    # Persists every 10 rows, so offsets are stored while the partition is read.
    spec["spec"]["tuningConfig"]["maxRowsInMemory"] = 10
    status, body = api(server, "POST", "", spec)
    checks.equal("submit status", 200, status)

    wait_for("the first events", lambda: count(server, TABLE) == FIRST_EVENTS)
    log = server.log_tail(2000)
    checks.true("partition assigned at the logical offset",
                f"topic={TOPIC} partition=0" in log and "source=unresolved" in log,
                "no 'source=unresolved' assignment in the furld log")
    # The status follows the consumer every statusIntervalMs, so it may lag.
    offsets = wait_for("the status offset", lambda: (lambda b: b if b == {"0": FIRST_EVENTS} else None)(
        api(server, "GET", f"/{TABLE}/status")[1]["payload"]["currentOffsets"]), timeout_s=30)
    checks.equal("offset after the first events", {"0": FIRST_EVENTS}, offsets)
    checks.equal("added of the first events", str(added_sum(first)), scalar(server, f"SELECT SUM(added) FROM {TABLE}"))

    # Suspending persists the rest, and the stats keep what was committed.
    checks.equal("suspend status", 200, api(server, "POST", f"/{TABLE}/suspend")[0])
    rows, commits = wait_for("all rows committed", lambda: (lambda c: c if c[0] >= FIRST_EVENTS else None)(
        committed(server)))
    checks.true("commits counted", commits >= 1, f"{commits} commits")
    checks.equal("rows committed of a plain table", FIRST_EVENTS, rows)
    checks.equal("resume status", 200, api(server, "POST", f"/{TABLE}/resume")[0])
    # A later persist may add a commit of offsets only, but no count goes back to 0.
    resumed_rows, resumed_commits = committed(server)
    checks.equal("rows committed after resume", rows, resumed_rows)
    checks.true("commits after resume", resumed_commits >= commits, f"{resumed_commits} after {commits}")

    server.kill()
    server.start()
    restarted_rows, restarted_commits = committed(server)
    checks.equal("rows committed after the restart", rows, restarted_rows)
    checks.true("commits after the restart", restarted_commits >= commits, f"{restarted_commits} after {commits}")
    produce(args.kcat, broker.address, TOPIC, later)
    total = FIRST_EVENTS + LATER_EVENTS
    wait_for("every event after the restart", lambda: count(server, TABLE) >= total)
    checks.equal("count after the restart", total, count(server, TABLE))
    # The last persist may leave rows in memory (maxRowsInMemory is a
    # trigger, not a batch size); suspending persists them.
    checks.equal("suspend status after the restart", 200, api(server, "POST", f"/{TABLE}/suspend")[0])
    later_rows, later_commits = wait_for("the later rows committed", lambda: (
        lambda c: c if c[0] >= total else None)(committed(server)))
    checks.equal("rows committed with the later events", total, later_rows)
    checks.true("commits with the later events", later_commits > commits, f"{later_commits} after {commits}")
    checks.equal("added after the restart", str(added_sum(lines)), scalar(server, f"SELECT SUM(added) FROM {TABLE}"))
    checks.equal("deleted after the restart", str(sum(json.loads(line)["deleted"] for line in lines)),
                 scalar(server, f"SELECT SUM(deleted) FROM {TABLE}"))


def main():
    return run_kafka_test("kafka_unresolved_start", [f"{TOPIC}:1"], run_checks, broker_args=BROKER_ARGS)


if __name__ == "__main__":
    sys.exit(main())
