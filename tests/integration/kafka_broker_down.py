#!/usr/bin/env python3
"""furld stops promptly, and keeps its rows, when the Kafka brokers are gone.

Starts furl-kafka-broker and furld, ingests part of the Wikipedia sample
with the plain spec and librdkafka's default session timeout (45 s), then
stops the broker and checks:

- the supervisor reports the failed connections in lastError;
- furld exits cleanly within 20 s of SIGTERM (leaving the group would
  wait for the unreachable coordinator up to the session timeout), and
  logs the reason;
- after a restart the table contains every row that was ingested.

    python3 tests/integration/kafka_broker_down.py --furld build/bin/furld \\
        --broker build/bin/furl-kafka-broker --kcat kcat
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_ingest import (  # noqa: E402
    PLAIN_SPEC, api, count, make_spec, produce, run_kafka_test, sample_lines, wait_for)

EVENTS = 500
STOP_LIMIT_S = 20.0


def last_error(server, supervisor_id):
    status, body = api(server, "GET", f"/{supervisor_id}/status")
    return str(body["payload"].get("lastError") or "") if status == 200 else ""


def check_stop_without_brokers(checks, server, broker, args):
    lines = sample_lines(EVENTS)
    spec = make_spec(PLAIN_SPEC, broker.address, dataSource="down", topic="down", useEarliestOffset=True)
    # librdkafka's default session timeout, which close() would wait out.
    spec["spec"]["ioConfig"]["consumerProperties"] = {"bootstrap.servers": broker.address}
    status, body = api(server, "POST", body=spec)
    checks.equal("submit spec", 200, status)
    produce(args.kcat, broker.address, "down", lines)
    wait_for("every event counted", lambda: count(server, "down") == EVENTS, 120)

    broker.stop()
    # librdkafka reports each failed connection, then every broker down.
    error = wait_for("connection failure reported",
                     lambda: (e := last_error(server, "down")) and "Connection refused" in e and e, 60)
    checks.true("lastError names the broker", broker.address in error, f"lastError: {error}")
    time.sleep(2)

    started = time.monotonic()
    returncode = server.stop(timeout_s=60)
    stopped_s = time.monotonic() - started
    checks.true("furld stops promptly", stopped_s < STOP_LIMIT_S, f"stopped after {stopped_s:.1f} s")
    checks.equal("furld exit status", 0, returncode)
    with open(server.log_path, encoding="utf-8", errors="replace") as f:
        log = f.read()
    checks.true("log names the reason", "kafka brokers unreachable" in log and "table=down" in log,
                "no 'kafka brokers unreachable' line for table=down")

    server.start()
    checks.equal("rows kept after restart", EVENTS, count(server, "down"))


def main():
    return run_kafka_test("kafka_broker_down", ["down:2"], check_stop_without_brokers)

if __name__ == "__main__":
    sys.exit(main())
