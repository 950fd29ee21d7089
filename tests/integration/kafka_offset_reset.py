#!/usr/bin/env python3
"""Stored Kafka offsets that are out of range, with furl-kafka-broker and kcat.

The mock cluster drops the oldest batches of a partition past about 5 MiB,
which moves the partition's earliest offset like Kafka's retention does,
and a restarted broker starts every partition empty, like a recreated
topic. The test makes both happen to a supervisor's stored offset and
checks:

- without tuningConfig.resetOffsetAutomatically the partition stops: the
  status and system.supervisors show UNHEALTHY_SUPERVISOR, the offset and
  an error naming the reset endpoint, and no message is skipped until the
  operator's reset, which resumes from the earliest offset;
- with it, the supervisor resets to the earliest offset by itself. It
  counts the skipped offsets exactly (the new earliest offset minus the
  stored one) in the status, the stats and system.supervisors, and the
  counters survive SIGKILL with the offsets;
- with useEarliestOffset false it resets to the latest offset and counts
  every offset in between as skipped, while the topic's other partition,
  assigned again with it, loses and repeats no message;
- after a broker restart the stored offset is past the end of the new log;
  the reset counts its skipped offsets as unknown, and the new messages
  are ingested.

    python3 tests/integration/kafka_offset_reset.py --furld build/bin/furld \\
        --broker build/bin/furl-kafka-broker --kcat kcat
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_ingest import (  # noqa: E402
    PLAIN_SPEC, Broker, api, count, make_spec, produce, run_kafka_test, sample_lines, wait_for)

FIRST_ROWS = 20
# Uncompressed filler messages; about 7 MB, past the mock cluster's 5 MiB
# per partition, so the partition's earliest offset passes FIRST_ROWS.
FILLER_ROWS = 7000
FILLER_PAD_BYTES = 1000


def produce_uncompressed(kcat, address, topic, lines, partition=None):
    """Produce one message per line without compression, so the bytes count fully."""
    command = [kcat, "-P", "-b", address, "-t", topic]
    if partition is not None:
        command += ["-p", str(partition)]
    result = subprocess.run(command, input="".join(line + "\n" for line in lines).encode(), capture_output=True,
                            timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"kcat -P failed with status {result.returncode}: {result.stderr.decode()}")


def earliest_offset(kcat, address, topic, partition=0):
    """The earliest offset of a partition, asked with kcat -Q (timestamp -2 is Kafka's 'earliest')."""
    result = subprocess.run([kcat, "-Q", "-b", address, "-t", f"{topic}:{partition}:-2"], capture_output=True,
                            timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"kcat -Q failed with status {result.returncode}: {result.stderr.decode()}")
    # Output: "<topic> [0] offset <N>"
    words = result.stdout.decode().split()
    return int(words[words.index("offset") + 1])


def status_payload(server, supervisor_id):
    status, body = api(server, "GET", f"/{supervisor_id}/status")
    if status != 200:
        raise AssertionError(f"status of {supervisor_id}: HTTP {status} {body}")
    return body["payload"]


def stats(server, supervisor_id):
    status, body = api(server, "GET", f"/{supervisor_id}/stats")
    if status != 200:
        raise AssertionError(f"stats of {supervisor_id}: HTTP {status} {body}")
    return body


def supervisor_row(server, supervisor_id):
    rows = server.query_rows(
        "SELECT state, offsets_out_of_range, offset_resets, offsets_skipped, offset_resets_skip_unknown, last_error "
        f"FROM system.supervisors WHERE id = '{supervisor_id}'")
    return rows[0] if rows else None


def committed_offset(server, supervisor_id, partition=0):
    return status_payload(server, supervisor_id)["committedOffsets"].get(str(partition))


def filler(good):
    rows = []
    for i in range(FILLER_ROWS):
        event = json.loads(good[i % len(good)])
        event["pad"] = f"{i:08d}" + "x" * (FILLER_PAD_BYTES - 8)
        rows.append(json.dumps(event))
    return rows


def main():
    good = sample_lines(200)

    def body(checks, server, broker, args):
        restart_brokers = []
        try:
            check_halt_and_operator_reset(checks, server, broker, args.kcat, good)
            check_automatic_reset(checks, server, broker, args.kcat, good)
            check_reset_to_latest(checks, server, broker, args.kcat, good)
            check_log_restart(checks, server, args.broker, args.kcat, good, restart_brokers)
        finally:
            for restart_broker in restart_brokers:
                restart_broker.stop()

    return run_kafka_test("kafka_offset_reset", ["halt:1", "auto:1", "latest:2"], body)


def submit(checks, server, address, name, reset_automatically, use_earliest=True):
    spec = make_spec(PLAIN_SPEC, address, dataSource=name, topic=name, useEarliestOffset=use_earliest)
    spec["spec"]["tuningConfig"]["intermediatePersistPeriod"] = "PT0.5S"
    if reset_automatically:
        spec["spec"]["tuningConfig"]["resetOffsetAutomatically"] = True
    status, body = api(server, "POST", body=spec)
    checks.equal(f"{name}: submit spec", 200, status)


def ingest_then_drop_from_log(checks, server, broker, kcat, good, name):
    """Ingest FIRST_ROWS, suspend, and produce filler until the stored offset is gone; return the earliest offset."""
    produce(kcat, broker.address, name, good[:FIRST_ROWS])
    wait_for(f"{name}: first rows committed", lambda: committed_offset(server, name) == FIRST_ROWS, 120)
    checks.equal(f"{name}: first rows", FIRST_ROWS, count(server, name))

    status, _ = api(server, "POST", f"/{name}/suspend")
    checks.equal(f"{name}: suspend", 200, status)
    produce_uncompressed(kcat, broker.address, name, filler(good))
    earliest = earliest_offset(kcat, broker.address, name)
    print(f"{name}: earliest offset {earliest} after {FILLER_ROWS} filler messages", flush=True)
    checks.true(f"{name}: stored offset dropped from the log", earliest > FIRST_ROWS, f"earliest offset {earliest}")
    return earliest


def check_halt_and_operator_reset(checks, server, broker, kcat, good):
    name = "halt"
    submit(checks, server, broker.address, name, reset_automatically=False)
    earliest = ingest_then_drop_from_log(checks, server, broker, kcat, good, name)
    end = FIRST_ROWS + FILLER_ROWS

    status, _ = api(server, "POST", f"/{name}/resume")
    checks.equal("halt: resume", 200, status)
    payload = wait_for("halt: partition stopped",
                       lambda: (p := status_payload(server, name))["state"] == "UNHEALTHY_SUPERVISOR" and p, 60)
    checks.equal("halt: healthy", False, payload["healthy"])
    checks.equal("halt: offsets out of range", {"0": FIRST_ROWS}, payload["offsetsOutOfRange"])
    error = payload["lastError"] or ""
    checks.true("halt: error names offset and range", f"offset {FIRST_ROWS} of partition 0" in error
                and f"offsets {earliest} to {end}" in error, f"lastError: {error}")
    checks.true("halt: error names the fix", f"/druid/indexer/v1/supervisor/{name}/reset" in error
                and "resetOffsetAutomatically" in error, f"lastError: {error}")
    row = supervisor_row(server, name)
    checks.equal("halt: system.supervisors", ["UNHEALTHY_SUPERVISOR", '{"0":20}', "0", "0", "0"], row[:5])
    checks.equal("halt: sys.supervisors healthy", "0", server.query_rows(
        f"SELECT healthy FROM sys.supervisors WHERE supervisor_id = '{name}'")[0][0])

    # Nothing is skipped while the operator has not acted.
    time.sleep(3)
    checks.equal("halt: rows while stopped", FIRST_ROWS, count(server, name))
    checks.equal("halt: committed offset while stopped", FIRST_ROWS, committed_offset(server, name))
    checks.equal("halt: no automatic reset", 0, stats(server, name)["offsetResets"])

    # The operator's reset goes on from the earliest offset (useEarliestOffset).
    status, _ = api(server, "POST", f"/{name}/reset")
    checks.equal("halt: reset", 200, status)
    expected = FIRST_ROWS + end - earliest
    wait_for("halt: rows after reset", lambda: count(server, name) == expected, 180)
    payload = status_payload(server, name)
    checks.equal("halt: state after reset", "RUNNING", payload["state"])
    checks.equal("halt: nothing out of range after reset", {}, payload["offsetsOutOfRange"])
    checks.equal("halt: rows after reset", expected, count(server, name))
    status, _ = api(server, "POST", f"/{name}/terminate")
    checks.equal("halt: terminate", 200, status)


def check_automatic_reset(checks, server, broker, kcat, good):
    name = "auto"
    submit(checks, server, broker.address, name, reset_automatically=True)
    earliest = ingest_then_drop_from_log(checks, server, broker, kcat, good, name)
    end = FIRST_ROWS + FILLER_ROWS
    skipped = earliest - FIRST_ROWS

    status, _ = api(server, "POST", f"/{name}/resume")
    checks.equal("auto: resume", 200, status)
    expected = FIRST_ROWS + end - earliest
    wait_for("auto: rows after the reset", lambda: count(server, name) == expected, 180)
    wait_for("auto: reset offset committed", lambda: committed_offset(server, name) == end, 60)
    payload = status_payload(server, name)
    checks.equal("auto: state", "RUNNING", payload["state"])
    checks.equal("auto: nothing out of range", {}, payload["offsetsOutOfRange"])
    resets = [{k: v for k, v in reset.items() if k != "timestamp"} for reset in payload["lastOffsetResets"]]
    checks.equal("auto: last reset", [{"partition": 0, "fromOffset": FIRST_ROWS, "toOffset": earliest,
                                       "skippedOffsets": skipped}], resets)
    counters = stats(server, name)
    checks.equal("auto: stats", [1, skipped, 0], [counters["offsetResets"], counters["offsetsSkipped"],
                                                  counters["offsetResetsSkipUnknown"]])
    checks.equal("auto: system.supervisors", ["RUNNING", "{}", "1", str(skipped), "0"], supervisor_row(server, name)[:5])
    checks.equal("auto: rows", expected, count(server, name))

    # The counters were committed with the offsets: after SIGKILL they are
    # the same and no message is read twice.
    server.kill()
    server.start()
    wait_for("auto: supervisor back", lambda: status_payload(server, name)["committedOffsets"].get("0") == end, 60)
    checks.equal("auto: counters after restart", [1, skipped, 0],
                 [int(v) for v in supervisor_row(server, name)[2:5]])
    checks.equal("auto: rows after restart", expected, count(server, name))
    status, _ = api(server, "POST", f"/{name}/terminate")
    checks.equal("auto: terminate", 200, status)


def check_reset_to_latest(checks, server, broker, kcat, good):
    """useEarliestOffset=false: the reset skips to the latest offset, and the other partition loses nothing."""
    name = "latest"
    submit(checks, server, broker.address, name, reset_automatically=True, use_earliest=False)
    wait_for("latest: both partitions assigned",
             lambda: len(status_payload(server, name)["currentOffsets"]) == 2, 60)
    for partition in (0, 1):
        produce_uncompressed(kcat, broker.address, name, good[:10], partition)
    wait_for("latest: first rows committed",
             lambda: committed_offset(server, name, 0) == 10 and committed_offset(server, name, 1) == 10, 120)

    status, _ = api(server, "POST", f"/{name}/suspend")
    checks.equal("latest: suspend", 200, status)
    produce_uncompressed(kcat, broker.address, name, filler(good), 0)
    produce_uncompressed(kcat, broker.address, name, good[10:20], 1)
    earliest = earliest_offset(kcat, broker.address, name, 0)
    checks.true("latest: stored offset dropped from the log", earliest > 10, f"earliest offset {earliest}")
    end = 10 + FILLER_ROWS

    # Partition 0 skips to its latest offset; partition 1 goes on from offset 10.
    status, _ = api(server, "POST", f"/{name}/resume")
    checks.equal("latest: resume", 200, status)
    payload = wait_for("latest: reset shown", lambda: (p := status_payload(server, name))["lastOffsetResets"] and p, 60)
    resets = [{k: v for k, v in reset.items() if k != "timestamp"} for reset in payload["lastOffsetResets"]]
    checks.equal("latest: last reset", [{"partition": 0, "fromOffset": 10, "toOffset": end,
                                         "skippedOffsets": FILLER_ROWS}], resets)
    produce_uncompressed(kcat, broker.address, name, good[20:25], 0)
    produce_uncompressed(kcat, broker.address, name, good[20:30], 1)
    expected = 10 + 10 + 10 + 5 + 10
    wait_for("latest: rows after the reset", lambda: count(server, name) == expected, 120)
    wait_for("latest: offsets committed",
             lambda: committed_offset(server, name, 0) == end + 5 and committed_offset(server, name, 1) == 30, 60)
    time.sleep(1)  # a message read twice would show now
    checks.equal("latest: rows", expected, count(server, name))
    counters = stats(server, name)
    checks.equal("latest: stats", [1, FILLER_ROWS, 0], [counters["offsetResets"], counters["offsetsSkipped"],
                                                         counters["offsetResetsSkipUnknown"]])
    status, _ = api(server, "POST", f"/{name}/terminate")
    checks.equal("latest: terminate", 200, status)


def log_lines(server, text):
    with open(server.log_path, encoding="utf-8", errors="replace") as f:
        return [line for line in f if text in line]


def check_log_restart(checks, server, broker_binary, kcat, good, brokers):
    """A broker restart empties the topic: the stored offset is past its end. Adds each broker started to `brokers`."""
    name = "restart"
    broker = Broker(broker_binary, [f"{name}:1"])
    brokers.append(broker)
    submit(checks, server, broker.address, name, reset_automatically=True)
    produce(kcat, broker.address, name, good[:30])
    wait_for("restart: rows committed", lambda: committed_offset(server, name) == 30, 120)

    broker.stop()
    broker = Broker(broker_binary, [f"{name}:1"], port=broker.port)
    brokers.append(broker)
    produce(kcat, broker.address, name, good[30:35])
    wait_for("restart: new rows after the reset", lambda: count(server, name) == 35, 120)
    payload = wait_for("restart: reset shown",
                       lambda: (p := status_payload(server, name))["lastOffsetResets"] and p, 30)
    resets = [{k: v for k, v in reset.items() if k != "timestamp"} for reset in payload["lastOffsetResets"]]
    checks.equal("restart: last reset", [{"partition": 0, "fromOffset": 30, "toOffset": 0,
                                          "skippedOffsets": "unknown"}], resets)
    counters = stats(server, name)
    checks.equal("restart: stats", [1, 0, 1], [counters["offsetResets"], counters["offsetsSkipped"],
                                               counters["offsetResetsSkipUnknown"]])
    wait_for("restart: new offset committed", lambda: committed_offset(server, name) == 5, 60)
    checks.equal("restart: system.supervisors", ["RUNNING", "{}", "1", "0", "1"], supervisor_row(server, name)[:5])
    checks.equal("restart: rows", 35, count(server, name))

    # One log line per event.
    for event, text in [("stop", "partition stopped table=halt "), ("automatic reset", "offset reset table=auto "),
                        ("reset after restart", "offset reset table=restart ")]:
        lines = log_lines(server, text)
        print("".join(lines), end="", flush=True)
        checks.equal(f"log lines of the {event}", 1, len(lines))
    status, _ = api(server, "POST", f"/{name}/terminate")
    checks.equal("restart: terminate", 200, status)


if __name__ == "__main__":
    sys.exit(main())
