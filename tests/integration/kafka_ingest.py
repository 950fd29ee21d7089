#!/usr/bin/env python3
"""Kafka ingestion end to end: furl-kafka-broker, kcat and a real furld.

Produces the Wikipedia edits sample (examples/wikiticker-2015-09-12-sampled.json.gz)
to a broker with kcat, submits the example supervisor specs over Druid's
supervisor API and checks:

- the plain spec ingests every event once, and aggregates equal the ones
  computed here from the file;
- the rollup spec's SUM(edits) equals the number of events outside
  #en.wikipedia, which its filter drops, and the stats count them as thrownAway;
- the rollup is perfect: count(*) equals the number of distinct (minute,
  dimensions) groups, and GROUP BY over the rollup table equals GROUP BY
  over the raw events;
- after SIGKILL at several points of ingestion (rows only in memory, rows
  partly persisted) and a restart, the supervisors start again from the
  stored specs and every event is counted exactly once, for a plain and a
  rollup table;
- two consumers of one group (taskCount 2) split the partitions, and when a
  third member joins and leaves the group, no event is lost or duplicated;
- the rollup's HLLSketch column answers APPROX_COUNT_DISTINCT close to the
  exact distinct count of users, and its per-minute sketches merged by hour
  equal the sketches built from the raw events, byte for byte;
- malformed messages are counted by reason, kept with partition and offset,
  and ingestion goes on after them;
- suspend, resume, reset and terminate; the time from produce to visible.

    python3 tests/integration/kafka_ingest.py --furld build/bin/furld \
        --broker build/bin/furl-kafka-broker --kcat kcat
"""

import argparse
import collections
import copy
import gzip
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from furl_testlib import REPO_ROOT, Checks, FurlServer, _die_with_parent, free_port  # noqa: E402

SAMPLE = os.path.join(REPO_ROOT, "examples", "wikiticker-2015-09-12-sampled.json.gz")
PLAIN_SPEC = os.path.join(REPO_ROOT, "examples", "wikipedia-kafka-supervisor.json")
ROLLUP_SPEC = os.path.join(REPO_ROOT, "examples", "wikipedia-rollup-supervisor.json")
SUPERVISOR_PATH = "/druid/indexer/v1/supervisor"

# A rejoining consumer waits out the old member's session; keep it short.
TEST_CONSUMER_PROPERTIES = {"session.timeout.ms": "6000", "heartbeat.interval.ms": "1000"}


class Broker:
    """furl-kafka-broker on a free loopback port, stopped by PID."""

    def __init__(self, binary, topics, port=None, work_dir=None, extra_args=()):
        """`work_dir` keeps the port file and broker.log; a new temporary folder by default.
        `extra_args` go to furl-kafka-broker as they are, e.g. --request-errors."""
        self.owns_work_dir = work_dir is None
        self.work_dir = work_dir or tempfile.mkdtemp(prefix="furl-kafka-test-")
        port_file = os.path.join(self.work_dir, "bootstrap")
        self.port = port or free_port()
        command = [binary, "--port", str(self.port), "--port-file", port_file]
        for topic in topics:
            command += ["--topic", topic]
        command += list(extra_args)
        self.log_path = os.path.join(self.work_dir, "broker.log")
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=self.log,
                                        stderr=subprocess.STDOUT, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 30
        # The broker may have created the port file but not written it yet.
        while not (os.path.exists(port_file) and os.path.getsize(port_file) > 0):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.owns_work_dir = False  # the error names the log in it
                self.stop()
                raise RuntimeError(f"furl-kafka-broker did not start; see {self.log_path}")
            time.sleep(0.05)
        with open(port_file) as f:
            self.address = f.read().strip()

    def stop(self):
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self.log.close()
        # A folder the caller passed stays; FURL_TEST_KEEP=1 keeps ours for a look.
        if self.owns_work_dir:
            if os.environ.get("FURL_TEST_KEEP") == "1":
                print(f"kept broker directory {self.work_dir}", file=sys.stderr)
            else:
                shutil.rmtree(self.work_dir, ignore_errors=True)


def produce(kcat, address, topic, lines, keyed=False):
    """Produce one message per line with zstd.

    With keyed, each line is `key<TAB>value` and an empty value is sent as a
    NULL message; kcat skips empty lines, so this is how to send one.
    """
    command = [kcat, "-P", "-b", address, "-t", topic, "-z", "zstd"]
    if keyed:
        command += ["-K", "\t", "-Z"]
    result = subprocess.run(command, input="".join(line + "\n" for line in lines).encode(),
                            capture_output=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"kcat -P failed with status {result.returncode}: {result.stderr.decode()}")


def make_spec(path, address, **changes):
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    spec = copy.deepcopy(spec)
    io_config = spec["spec"]["ioConfig"]
    io_config["consumerProperties"] = {"bootstrap.servers": address, **TEST_CONSUMER_PROPERTIES}
    for key, value in changes.items():
        if key == "dataSource":
            spec["spec"]["dataSchema"]["dataSource"] = value
        else:
            io_config[key] = value
    return spec


def api(server, method, path="", body=None):
    """Calls the supervisor API; returns (status, decoded JSON or text)."""
    data = json.dumps(body) if body is not None else None
    status, text, _ = server.request(body=data, path=SUPERVISOR_PATH + path, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def wait_for(description, fn, timeout_s=120.0, interval_s=0.05):
    """Polls fn until it returns a true value; returns it, or raises on timeout."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            last = fn()
        except Exception as error:  # the server may be restarting
            last = error
        if last and not isinstance(last, Exception):
            return last
        time.sleep(interval_s)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {description}; last value {last!r}")


def scalar(server, sql):
    rows = server.query_rows(sql)
    return rows[0][0] if rows else None


def count(server, table):
    try:
        return int(scalar(server, f"SELECT count(*) FROM {table}"))
    except Exception:
        return -1


def assigned(server, supervisor_id, partitions):
    status, body = api(server, "GET", f"/{supervisor_id}/status")
    return status == 200 and len(body["payload"]["currentOffsets"]) == partitions


def stats(server, supervisor_id):
    status, body = api(server, "GET", f"/{supervisor_id}/stats")
    if status != 200:
        raise AssertionError(f"stats of {supervisor_id}: HTTP {status} {body}")
    return body


def check_sketch_column(checks, server, kept):
    """Compares the rollup's unique_users sketches with the raw events."""
    checks.equal("sketch column type", "HLLSketch",
                 scalar(server, "SELECT toTypeName(unique_users) FROM wikipedia_by_minute LIMIT 1"))
    exact = len({e["user"] for e in kept if e.get("user") is not None})
    checks.equal("exact distinct users", str(exact), scalar(
        server, "SELECT count(DISTINCT user) FROM wikipedia WHERE channel != '#en.wikipedia'"))
    estimate = int(scalar(server, "SELECT APPROX_COUNT_DISTINCT(unique_users) FROM wikipedia_by_minute"))
    standard_error = 1.04 / 64  # lgK 12 in the rollup spec
    checks.true("sketch estimate within 3 standard errors", abs(estimate - exact) <= 3 * standard_error * exact,
                f"estimate {estimate}, exact {exact}")
    merged = server.query_rows("SELECT toStartOfHour(__time) AS h, toString(DS_HLL(unique_users)) "
                               "FROM wikipedia_by_minute GROUP BY h ORDER BY h")
    built = server.query_rows("SELECT toStartOfHour(__time) AS h, toString(DS_HLL(user)) "
                              "FROM wikipedia WHERE channel != '#en.wikipedia' GROUP BY h ORDER BY h")
    checks.true("hourly sketches from minutes equal sketches from raw events", merged == built and len(merged) > 0,
                f"{len(merged)} merged hours, {len(built)} built hours, "
                f"{sum(a != b for a, b in zip(merged, built))} differ")


def kafka_test_args():
    """Parse the command line of a Kafka test: --furld, --broker and --kcat."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--furld", default=os.environ.get("FURLD"))
    parser.add_argument("--broker", required=True, help="path of furl-kafka-broker")
    parser.add_argument("--kcat", default="kcat")
    args, _ = parser.parse_known_args()
    return args


def sample_lines(limit=None):
    """Return the first `limit` events of the Wikipedia sample (all by default), one JSON text each."""
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    return lines[:limit]


def run_kafka_test(name, topics, body, broker_args=()):
    """Start a broker with `topics` ("name:partitions") and `broker_args` and
    furld, call body(checks, server, broker, args), stop both and return the
    exit status."""
    args = kafka_test_args()
    checks = Checks(name)
    broker = Broker(args.broker, topics, extra_args=broker_args)
    server = FurlServer.from_args([f"--furld={args.furld}"] if args.furld else [])
    try:
        server.start()
        body(checks, server, broker, args)
    except Exception as error:
        checks.error("test aborted", error)
        print(server.log_tail(80), file=sys.stderr)
    finally:
        server.close()
        broker.stop()
    return checks.finish()


def main():
    lines = sample_lines()
    events = [json.loads(line) for line in lines]
    return run_kafka_test(
        "kafka_ingest", ["wikipedia:3", "crash:3", "latency:1", "rebalance:4"],
        lambda checks, server, broker, args: run_checks(checks, server, broker, args.kcat, lines, events))


def run_checks(checks, server, broker, kcat, lines, events):
    address = broker.address

    # An invalid spec is rejected with the path of the bad field.
    bad = make_spec(PLAIN_SPEC, address)
    bad["spec"]["dataSchema"]["granularitySpec"]["segmentGranularity"] = "DAYS"
    status, body = api(server, "POST", body=bad)
    checks.equal("invalid spec status", 400, status)
    checks.true("invalid spec message", "segmentGranularity" in str(body), f"body: {body}")

    # Plain spec: latest offsets, so wait for the assignment before producing.
    plain_spec = make_spec(PLAIN_SPEC, address)
    status, body = api(server, "POST", body=plain_spec)
    checks.equal("submit plain spec", (200, "wikipedia"), (status, body.get("id") if isinstance(body, dict) else body))
    checks.true("submit returns notes", isinstance(body, dict) and any("replicas" in n for n in body.get("notes", [])),
                f"body: {body}")
    # Until Kafka assigns partitions the detailed state is
    # CONNECTING_TO_STREAM. The development broker takes about 3 s to assign.
    _, body = api(server, "GET", "/wikipedia/status")
    payload = body["payload"]
    checks.equal("detailed state before and after assignment",
                 "CONNECTING_TO_STREAM" if payload["partitions"] == 0 else "RUNNING", payload["detailedState"])
    checks.equal("state while connecting", ["RUNNING", True], [payload["state"], payload["healthy"]])
    checks.true("generationTime is ISO-8601 in UTC",
                re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", body["generationTime"]) is not None,
                body["generationTime"])
    wait_for("wikipedia partitions assigned", lambda: assigned(server, "wikipedia", 3), 60)
    _, body = api(server, "GET", "/wikipedia/status")
    checks.equal("detailed state once assigned", "RUNNING", body["payload"]["detailedState"])
    started = time.monotonic()
    produce(kcat, address, "wikipedia", lines)
    wait_for("all events in wikipedia", lambda: count(server, "wikipedia") >= len(events), 180)
    print(f"ingested {len(events)} events in {time.monotonic() - started:.1f} s after the produce started",
          flush=True)
    checks.equal("plain count", len(events), count(server, "wikipedia"))

    sum_added = sum(e["added"] for e in events)
    sum_delta = sum(e["delta"] for e in events)
    robots = sum(1 for e in events if e["isRobot"])
    no_city = sum(1 for e in events if e["cityName"] is None)
    checks.equal("plain sums", [str(sum_added), str(sum_delta)],
                 server.query_rows("SELECT sum(added), sum(delta) FROM wikipedia")[0])
    checks.equal("plain robots", str(robots), scalar(server, "SELECT count(*) FROM wikipedia WHERE isRobot = 'true'"))
    checks.equal("plain null cities", str(no_city),
                 scalar(server, "SELECT count(*) FROM wikipedia WHERE cityName IS NULL"))
    channels = collections.Counter(e["channel"] for e in events)
    expected_top = [[c, str(n)] for c, n in sorted(channels.items(), key=lambda kv: (-kv[1], kv[0]))[:5]]
    checks.equal("plain top channels", expected_top, server.query_rows(
        "SELECT channel, count(*) AS n FROM wikipedia GROUP BY channel ORDER BY n DESC, channel LIMIT 5"))
    first_time = min(e["time"] for e in events)
    checks.equal("plain min time", first_time.replace("T", " ").rstrip("Z"),
                 scalar(server, "SELECT min(__time) FROM wikipedia"))
    plain_stats = stats(server, "wikipedia")["totals"]["buildSegments"]
    checks.equal("plain stats", {"processed": len(events), "processedWithError": 0, "thrownAway": 0, "unparseable": 0},
                 plain_stats)

    # Druid's reads of specs: one supervisor's spec, and the list with
    # ?full (specs) and ?state=true (states).
    checks.equal("spec of one supervisor", (200, plain_spec), api(server, "GET", "/wikipedia"))
    checks.equal("spec of an unknown supervisor", 404, api(server, "GET", "/nosuch")[0])
    checks.equal("list", (200, ["wikipedia"]), api(server, "GET", ""))
    checks.equal("list with specs", (200, [{"id": "wikipedia", "spec": plain_spec}]), api(server, "GET", "?full"))
    checks.equal("list with states", (200, [{"id": "wikipedia", "state": "RUNNING", "detailedState": "RUNNING",
                                             "healthy": True, "suspended": False}]),
                 api(server, "GET", "?state=true"))

    # Rollup spec: earliest offsets; the filter drops #en.wikipedia.
    status, body = api(server, "POST", body=make_spec(ROLLUP_SPEC, address))
    checks.equal("submit rollup spec", 200, status)
    kept = [e for e in events if e["channel"] != "#en.wikipedia"]
    wait_for("rollup edits", lambda: scalar(server, "SELECT sum(edits) FROM wikipedia_by_minute") == str(len(kept)), 180)
    checks.equal("rollup sum(edits)", str(len(kept)), scalar(server, "SELECT sum(edits) FROM wikipedia_by_minute"))
    checks.equal("rollup sum(added)", str(sum(e["added"] for e in kept)),
                 scalar(server, "SELECT sum(added) FROM wikipedia_by_minute"))
    rollup_rows = count(server, "wikipedia_by_minute")
    groups = {(e["time"][:16], e["channel"], e["namespace"], e["page"], e["countryName"], e["isRobot"],
               e["isAnonymous"]) for e in kept}
    checks.equal("rollup is perfect", len(groups), rollup_rows)
    by_channel = collections.defaultdict(lambda: [0, 0, 0, None])
    for e in kept:
        entry = by_channel[e["channel"]]
        entry[0] += 1
        entry[1] += e["added"]
        entry[2] += e["deleted"]
        entry[3] = e["delta"] if entry[3] is None else max(entry[3], e["delta"])
    checks.equal("rollup group by equals raw", [[c, str(v[0]), str(v[1]), str(v[2]), str(v[3])]
                                                for c, v in sorted(by_channel.items())],
                 server.query_rows("SELECT channel, sum(edits), sum(added), sum(deleted), max(max_delta) "
                                   "FROM wikipedia_by_minute GROUP BY channel ORDER BY channel"))
    checks.equal("rollup group by equals plain table", server.query_rows(
        "SELECT channel, count(*), sum(added) FROM wikipedia WHERE channel != '#en.wikipedia' "
        "GROUP BY channel ORDER BY channel"), server.query_rows(
        "SELECT channel, sum(edits), sum(added) FROM wikipedia_by_minute GROUP BY channel ORDER BY channel"))
    rollup_stats = stats(server, "wikipedia_by_minute")["totals"]["buildSegments"]
    checks.equal("rollup stats", {"processed": len(kept), "processedWithError": 0,
                                  "thrownAway": len(events) - len(kept), "unparseable": 0}, rollup_stats)
    check_sketch_column(checks, server, kept)

    # Crash: SIGKILL at several points while the events are produced. The
    # plain table persists every 5000 rows, so the kills hit rows that are
    # only in memory and chunks that are partly persisted. The rollup table
    # rewrites its chunks at each persist.
    crash_spec = make_spec(PLAIN_SPEC, address, dataSource="wikipedia_crash", topic="crash", useEarliestOffset=True)
    crash_spec["spec"]["tuningConfig"]["maxRowsInMemory"] = 5000
    crash_rollup_spec = make_spec(ROLLUP_SPEC, address, dataSource="crash_by_minute", topic="crash")
    crash_rollup_spec["spec"]["tuningConfig"]["maxRowsInMemory"] = 3000
    third = len(lines) // 3
    produce(kcat, address, "crash", lines[:third])
    status, _ = api(server, "POST", body=crash_spec)
    checks.equal("submit crash spec", 200, status)
    status, _ = api(server, "POST", body=crash_rollup_spec)
    checks.equal("submit crash rollup spec", 200, status)
    wait_for("first third in wikipedia_crash", lambda: count(server, "wikipedia_crash") >= third, 120)
    producer = subprocess.Popen([kcat, "-P", "-b", address, "-t", "crash", "-z", "zstd"], stdin=subprocess.PIPE,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    producer.stdin.write("".join(line + "\n" for line in lines[third:]).encode())
    producer.stdin.close()
    wait_for("some of the rest in wikipedia_crash", lambda: count(server, "wikipedia_crash") > third, 120, 0.005)
    killed_at = count(server, "wikipedia_crash")
    server.kill()
    producer.wait(timeout=120)
    print(f"killed furld with {killed_at} of {len(events)} events ingested", flush=True)
    checks.true("killed mid-ingest", killed_at < len(events), f"count at kill: {killed_at}")
    for kill in range(2):
        # Kill again soon after the restart, while the topic is read again.
        server.start()
        target = min(len(events) - 1, killed_at + 3000 * (kill + 1))
        wait_for(f"progress before kill {kill + 2}", lambda: count(server, "wikipedia_crash") >= target, 180, 0.005)
        killed_at = count(server, "wikipedia_crash")
        server.kill()
        print(f"kill {kill + 2}: {killed_at} events ingested", flush=True)

    server.start()
    status, ids = api(server, "GET")
    checks.equal("supervisors after restart", ["crash_by_minute", "wikipedia", "wikipedia_by_minute",
                                               "wikipedia_crash"], sorted(ids))
    wait_for("all events in wikipedia_crash", lambda: count(server, "wikipedia_crash") >= len(events), 180)
    time.sleep(1)  # a duplicate commit would land now
    checks.equal("crash count exact", len(events), count(server, "wikipedia_crash"))
    checks.equal("crash sums exact", [str(sum_added), str(sum_delta)],
                 server.query_rows("SELECT sum(added), sum(delta) FROM wikipedia_crash")[0])
    checks.equal("crash top channels", expected_top, server.query_rows(
        "SELECT channel, count(*) AS n FROM wikipedia_crash GROUP BY channel ORDER BY n DESC, channel LIMIT 5"))
    # The tables ingested before the kills had their rows in memory only, so
    # they read their topics again from the stored start offsets.
    wait_for("plain table read again", lambda: count(server, "wikipedia") >= len(events), 180)
    wait_for("rollup table read again",
             lambda: scalar(server, "SELECT sum(edits) FROM wikipedia_by_minute") == str(len(kept)), 180)
    crash_edits = lambda: scalar(server, "SELECT sum(edits) FROM crash_by_minute")  # noqa: E731
    wait_for("all events in crash_by_minute", lambda: crash_edits() == str(len(kept)), 180)
    checks.equal("crash rollup edits exact", str(len(kept)), crash_edits())
    checks.equal("crash rollup is perfect", len(groups), count(server, "crash_by_minute"))
    checks.equal("crash rollup sums exact", server.query_rows(
        "SELECT channel, sum(edits), sum(added), max(max_delta) FROM wikipedia_by_minute GROUP BY channel "
        "ORDER BY channel"), server.query_rows(
        "SELECT channel, sum(edits), sum(added), max(max_delta) FROM crash_by_minute GROUP BY channel "
        "ORDER BY channel"))
    checks.equal("plain count after restart", len(events), count(server, "wikipedia"))
    checks.equal("rollup edits after restart", str(len(kept)),
                 scalar(server, "SELECT sum(edits) FROM wikipedia_by_minute"))

    # Malformed messages are counted and kept; the valid ones after them arrive.
    malformed = [
        "not json at all",
        '{"time": "yesterday", "channel": "#bad"}',
        '{"channel": "#no.time"}',
        "[1, 2, 3]",
        '{"time": "2015-09-12T05:00:00Z", "channel": "#typed", "added": "lots"}',
        '{"time": "2015-09-12T05:00:01Z", "channel": "#after", "added": 1}',
    ]
    produce(kcat, address, "crash", malformed[:4])
    produce(kcat, address, "crash", ["null-value\t"], keyed=True)
    produce(kcat, address, "crash", malformed[4:])
    wait_for("rows after malformed messages", lambda: count(server, "wikipedia_crash") == len(events) + 2, 60)
    crash_stats = wait_for("malformed counted", lambda: (lambda s: s if s["totals"]["buildSegments"]["unparseable"] >= 5
                                                        else None)(stats(server, "wikipedia_crash")), 30)
    counters = crash_stats["totals"]["buildSegments"]
    checks.equal("malformed unparseable", 5, counters["unparseable"])
    checks.equal("malformed processedWithError", 1, counters["processedWithError"])
    checks.equal("malformed reasons", {"empty": 1, "invalid_json": 2, "invalid_timestamp": 2},
                 crash_stats["unparseableByReason"])
    _, crash_status = api(server, "GET", "/wikipedia_crash/status")
    errors = crash_status["payload"]["recentErrors"]
    checks.equal("malformed recorded", ["empty", "invalid_field", "invalid_json", "invalid_json", "invalid_timestamp",
                                        "invalid_timestamp"], sorted(e["reason"] for e in errors))
    checks.true("malformed raw prefix", any(e["raw"] == "not json at all" and e["offset"] >= 0 for e in errors),
                f"errors: {errors}")
    checks.equal("wrong type stored as NULL", [["#typed", None]], server.query_rows(
        "SELECT channel, added FROM wikipedia_crash WHERE channel = '#typed'"))

    run_rebalance_checks(checks, server, address, kcat, lines, events)

    # Produce-to-visible latency, one event at a time.
    latency_spec = make_spec(PLAIN_SPEC, address, dataSource="latency", topic="latency", useEarliestOffset=True)
    status, _ = api(server, "POST", body=latency_spec)
    checks.equal("submit latency spec", 200, status)
    wait_for("latency partition assigned", lambda: assigned(server, "latency", 1), 60)
    latencies = []
    for i in range(10):
        event = dict(events[i], page=f"latency-probe-{i}")
        begin = time.monotonic()
        produce(kcat, address, "latency", [json.dumps(event)])
        wait_for(f"probe {i}", lambda: count(server, "latency") == i + 1, 30, 0.002)
        latencies.append((time.monotonic() - begin) * 1000)
    print(f"produce-to-visible latency, kcat start included: median {statistics.median(latencies):.0f} ms, "
          f"max {max(latencies):.0f} ms over {len(latencies)} events", flush=True)
    checks.true("latency probes visible", len(latencies) == 10)

    # Suspend stops reading; resume catches up.
    counters_before = stats(server, "latency")["totals"]["buildSegments"]
    status, _ = api(server, "POST", "/latency/suspend")
    checks.equal("suspend", 200, status)
    _, body = api(server, "GET", "/latency/status")
    checks.equal("suspended state", "SUSPENDED", body["payload"]["state"])
    checks.equal("counters kept while suspended", counters_before, stats(server, "latency")["totals"]["buildSegments"])
    produce(kcat, address, "latency", [json.dumps(dict(events[0], page="while-suspended"))])
    time.sleep(1.0)
    checks.equal("nothing read while suspended", 10, count(server, "latency"))
    status, _ = api(server, "POST", "/latency/resume")
    checks.equal("resume", 200, status)
    wait_for("event read after resume", lambda: count(server, "latency") == 11, 60)
    _, body = api(server, "GET", "/latency/status")
    checks.equal("running state", "RUNNING", body["payload"]["state"])

    # Reset forgets the offsets: with useEarliestOffset the topic is read again.
    status, _ = api(server, "POST", "/latency/reset")
    checks.equal("reset", 200, status)
    wait_for("topic read again after reset", lambda: count(server, "latency") == 22, 60)

    # Terminate removes the spec but keeps the table.
    status, _ = api(server, "POST", "/latency/terminate")
    checks.equal("terminate", 200, status)
    _, ids = api(server, "GET")
    checks.true("terminated id gone", "latency" not in ids, f"ids: {ids}")
    checks.equal("table kept after terminate", 22, count(server, "latency"))
    status, _ = api(server, "GET", "/latency/status")
    checks.equal("unknown id status", 404, status)


def run_rebalance_checks(checks, server, address, kcat, lines, events):
    """taskCount 2 splits 4 partitions; a kcat member joins and leaves the group."""
    spec = make_spec(PLAIN_SPEC, address, dataSource="rebalance", topic="rebalance", useEarliestOffset=True,
                     taskCount=2)
    spec["spec"]["tuningConfig"]["maxRowsInMemory"] = 4000
    third = len(lines) // 3
    produce(kcat, address, "rebalance", lines[:third])
    status, _ = api(server, "POST", body=spec)
    checks.equal("submit rebalance spec", 200, status)
    wait_for("first third in rebalance", lambda: count(server, "rebalance") == third, 120)
    wait_for("partitions split between the consumers",
             lambda: "consumer=1" in server.log_tail(400) and assigned(server, "rebalance", 4), 60)
    log = server.log_tail(400)
    checks.true("both consumers got partitions",
                "table=rebalance topic=rebalance partition=" in log and "consumer=0" in log and "consumer=1" in log,
                "no assignment to consumer 1 in the log")

    # A third member joins the group while events arrive, takes partitions
    # (it reads them without storing anything) and leaves again.
    member = subprocess.Popen([kcat, "-b", address, "-G", "furl-rebalance", "-X", "session.timeout.ms=6000",
                               "-X", "heartbeat.interval.ms=1000", "rebalance"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    try:
        time.sleep(4)
        produce(kcat, address, "rebalance", lines[third:2 * third])
        time.sleep(4)
    finally:
        member.send_signal(signal.SIGINT)
        try:
            member.wait(timeout=20)
        except subprocess.TimeoutExpired:
            member.kill()
            member.wait()
    produce(kcat, address, "rebalance", lines[2 * third:])
    wait_for("all events in rebalance", lambda: count(server, "rebalance") >= len(events), 180)
    time.sleep(1)  # a duplicate would land now
    checks.equal("rebalance count exact", len(events), count(server, "rebalance"))
    checks.equal("rebalance sums exact", [str(sum(e["added"] for e in events)), str(sum(e["delta"] for e in events))],
                 server.query_rows("SELECT sum(added), sum(delta) FROM rebalance")[0])
    revokes = server.log_tail(2000).count("partition revoked table=rebalance")
    checks.true("partitions were revoked and persisted", revokes >= 2, f"revocations in the log: {revokes}")


if __name__ == "__main__":
    sys.exit(main())
