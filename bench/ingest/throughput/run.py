#!/usr/bin/env python3
"""Measure ingest throughput from Kafka into rolled-up segments.

    python3 bench/ingest/throughput/run.py --dataset wikipedia --repeat 20
    python3 bench/ingest/throughput/run.py --dataset hits --rows 1000000

Steps: write the input file and start furl-kafka-broker (librdkafka's mock
cluster) with one topic. Produce every line as one message with kcat,
with batches and partitions close to the Java client's defaults
(--compression, lz4 at the Java client's level by default;
--producer-option) and check that the broker kept them all. Then start furld, submit a rollup
supervisor that reads from the earliest offset, and wait until the supervisor
stats count every message. Producing ends before the clock starts, so the
numbers cover consuming, JSON parsing, the filter, rollup and the commits.

Data sets:
- wikipedia: examples/wikiticker-2015-09-12-sampled.json.gz (39,244 edits)
  written --repeat times; copy k moves every `time` forward by k days, so the
  copies roll up into rows of their own. Spec: the example
  wikipedia-rollup-supervisor.json, whose filter drops #en.wikipedia edits
  (counted as thrownAway; they are consumed and parsed like the rest).
- hits: --rows rows of ClickBench `hits` as JSONEachRow from
  bench/clickbench/gen_hits.py (needs numpy), or an existing file given with
  --hits-file. Spec: hits-rollup-supervisor.json beside this script.

Each spec is submitted with the topic, useEarliestOffset and the broker's
address in consumerProperties.bootstrap.servers replaced. Its other
consumerProperties are kept, so a copy of a spec can try librdkafka settings.

Reported: events; wall seconds from the moment the consumer owns every
partition until the stats count every event (the group join before it is
printed apart); furld CPU seconds from submitting the spec until done (utime +
stime of the whole process from /proc/PID/stat); events per second; events per
CPU second; and the ratio of the latter to the peer's per-core JSON load rate
(--peer-rows-per-s divided by --peer-cores). The stats count events when their
rows are committed, so the wall time ends at the last commit, as seen by
polling every --poll seconds.

The last line is the summary:

    ingest-throughput dataset=... events=... wall_s=... furld_cpu_s=... ...

Everything listens on 127.0.0.1. The broker and furld are stopped by PID at
the end, also after an error. Waiting is bounded by --timeout.
"""

import argparse
import datetime
import gzip
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
sys.path.insert(0, os.path.join(REPO_ROOT, "tests", "integration"))

from furl_testlib import FurlServer  # noqa: E402
from kafka_ingest import Broker  # noqa: E402

WIKIPEDIA_SAMPLE = os.path.join(REPO_ROOT, "examples", "wikiticker-2015-09-12-sampled.json.gz")
WIKIPEDIA_SPEC = os.path.join(REPO_ROOT, "examples", "wikipedia-rollup-supervisor.json")
HITS_SPEC = os.path.join(HERE, "hits-rollup-supervisor.json")
GEN_HITS = os.path.join(REPO_ROOT, "bench", "clickbench", "gen_hits.py")
SUPERVISOR_PATH = "/druid/indexer/v1/supervisor"

# The fastest peer's JSON load: chDB (ClickHouse engine 26.7) loaded 1,000,000
# generated hits rows from JSONEachRow in 5.6 s on a 2-core machine.
DEFAULT_PEER_ROWS_PER_S = 179_000
DEFAULT_PEER_CORES = 2

# furl-kafka-broker keeps about 5 MiB of (compressed) batches per partition and
# drops older ones, so the input bytes per partition depend on the producer
# compression. JSON events compress 6 to 9 times with zstd and 4 to 6 times with
# lz4 (measured with the zstd and lz4 tools on the two data sets here). The
# producer's sticky partitioner fills one partition for a while before the
# next, so partitions get unequal shares; check_produced() verifies that
# nothing was dropped.
BYTES_PER_PARTITION = {"none": 4 << 20, "lz4": 12 << 20, "snappy": 10 << 20, "gzip": 20 << 20,
                       "zstd": 24 << 20}

# The producer's compression level when --compression-level is not given:
# that of the Java client, Apache Kafka's own (Kafka 3.8 and later,
# KIP-390). Its lz4 default is LZ4HC level 9. librdkafka's own default
# (-1) compresses with fast lz4, whose output is about 1.4 times larger on
# hits JSON (the lz4 tool at levels 1 and 9) and takes furld's fetch thread
# longer to decompress (docs/benchmarks.md).
# For zstd and gzip both clients use the codec's default.
JAVA_PRODUCER_LEVELS = {"lz4": 9}

# kcat's partitioner: sticky, like the Java client's, which stays on one
# partition until about batch.size (16 KiB) has gone to it: 8 hits messages
# uncompressed, about 46 as lz4 level 9 output. librdkafka's sticky
# partitioner moves on after a time instead; 1 ms is about 45 hits messages
# at kcat's rate here. Its default of 10 ms gave stretches of about 450
# messages, too uneven for the broker's 5 MiB per partition.
PRODUCER_OPTIONS = ["sticky.partitioning.linger.ms=1"]

CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def compression_level(compression, level):
    """Return the compression.level for kcat: `level` if given, else the Java producer's default."""
    if level is not None:
        return level
    return JAVA_PRODUCER_LEVELS.get(compression, -1)


def process_cpu_seconds(pid):
    """utime + stime of a process, all threads, in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        # The command name may contain spaces, so split after its closing parenthesis.
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_S


def thread_cpu_seconds(pid):
    """Return the utime + stime of a live process per thread name, as {name: seconds}."""
    totals = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                head, tail = f.read().rsplit(")", 1)
        except FileNotFoundError:  # the thread ended
            continue
        name = head.split("(", 1)[1]
        fields = tail.split()
        totals[name] = totals.get(name, 0.0) + (int(fields[11]) + int(fields[12])) / CLOCK_TICKS_PER_S
    return totals


def write_wikipedia(path, repeat, limit):
    """Write the sample `repeat` times, copy k shifted by k days; return the event count."""
    with gzip.open(WIKIPEDIA_SAMPLE, "rt", encoding="utf-8") as f:
        lines = [line.rstrip("\n") for line in f if line.strip()]
    prefix = '"time":"2015-09-12T'
    if not all(prefix in line for line in lines):
        raise RuntimeError(f"expected every event of {WIKIPEDIA_SAMPLE} to contain {prefix}")
    day = datetime.date(2015, 9, 12)
    events = 0
    with open(path, "w", encoding="utf-8") as out:
        for copy in range(repeat):
            shifted = f'"time":"{(day + datetime.timedelta(days=copy)).isoformat()}T'
            for line in lines:
                if limit is not None and events >= limit:
                    return events
                out.write(line.replace(prefix, shifted, 1) if copy else line)
                out.write("\n")
                events += 1
    return events


def numpy_python():
    """This interpreter if it imports numpy, else Debian's /usr/bin/python3."""
    probe = subprocess.run([sys.executable, "-c", "import numpy"], capture_output=True)
    return sys.executable if probe.returncode == 0 else "/usr/bin/python3"


def write_hits(path, rows):
    subprocess.run([numpy_python(), GEN_HITS, "--rows", str(rows), "--format", "jsoneachrow",
                    "--workers", "2" if rows >= 100_000 else "1", "--out", path], check=True)


def count_lines(path, limit):
    events = 0
    with open(path, "rb") as f:
        for line in f:
            if line.strip():
                events += 1
    return events if limit is None else min(events, limit)


def produce(kcat, address, topic, path, limit, compression, level, options):
    """Produce the first `limit` lines of `path` (all when None), one message each."""
    command = [kcat, "-P", "-b", address, "-t", topic, "-z", compression, "-X", f"compression.level={level}"]
    for option in options:
        command += ["-X", option]
    if limit is None:
        result = subprocess.run(command + ["-l", path], stdin=subprocess.DEVNULL, capture_output=True)
    else:
        with open(path, "rb") as f:
            head = b"".join(line for _, line in zip(range(limit), f))
        result = subprocess.run(command, input=head, capture_output=True)
    if result.returncode != 0:
        raise RuntimeError(f"kcat -P failed with status {result.returncode}: {result.stderr.decode()}")


def start_perf(output, call_graph, pid, event):
    """Sample furld with perf: by default its CPU with the cpu-clock software event, which also works in VMs."""
    command = ["perf", "record", "-e", event, "-p", str(pid), "-o", output]
    if event == "cpu-clock":
        command += ["-F", os.environ.get("FURL_PERF_FREQ", "499")]
    if call_graph:
        command += ["--call-graph", call_graph]
    profiler = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
    time.sleep(1)  # perf attaches to every thread before the clock starts
    if profiler.poll() is not None:
        raise RuntimeError(f"perf record failed: {profiler.stderr.read().decode()}")
    return profiler


def stop_perf(profiler):
    profiler.send_signal(signal.SIGINT)
    try:
        profiler.wait(timeout=120)
    except subprocess.TimeoutExpired:
        profiler.kill()
        profiler.wait()


def api(server, method, path="", body=None):
    """Call the supervisor API; return (status, decoded JSON or text)."""
    data = json.dumps(body) if body is not None else None
    status, text, _ = server.request(body=data, path=SUPERVISOR_PATH + path, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def load_spec(path, address, topic):
    with open(path, encoding="utf-8") as f:
        spec = json.load(f)
    io_config = spec["spec"]["ioConfig"]
    io_config["topic"] = topic
    io_config["useEarliestOffset"] = True
    io_config.setdefault("consumerProperties", {})["bootstrap.servers"] = address
    return spec


def consumed(totals):
    return (totals["processed"] + totals["processedWithError"] + totals["thrownAway"]
            + totals["unparseable"])


def wait_until_assigned(server, supervisor_id, partitions, timeout_s, poll_s):
    """Poll the status until the consumer owns every partition of the topic."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        status, body = api(server, "GET", f"/{supervisor_id}/status")
        if status != 200:
            raise RuntimeError(f"GET status of {supervisor_id}: HTTP {status}: {body}")
        last = body
        if len(body["payload"]["currentOffsets"]) == partitions:
            return
        time.sleep(poll_s)
    raise RuntimeError(f"timed out after {timeout_s:.0f} s waiting for {partitions} partitions to be assigned; "
                       f"last status {last}")


def wait_until_consumed(server, supervisor_id, events, timeout_s, poll_s):
    """Poll the stats until they count `events` messages; return the stats."""
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        status, body = api(server, "GET", f"/{supervisor_id}/stats")
        if status != 200:
            raise RuntimeError(f"GET stats of {supervisor_id}: HTTP {status}: {body}")
        last = body
        if consumed(body["totals"]["buildSegments"]) >= events:
            return body
        time.sleep(poll_s)
    raise RuntimeError(f"timed out after {timeout_s:.0f} s waiting for {events} events; last stats {last}")


def partition_offsets(kcat, address, topic, partitions, which):
    """Query the earliest (which=-2) or next (which=-1) offset of every partition with kcat -Q."""
    command = [kcat, "-Q", "-J", "-b", address]
    for partition in range(partitions):
        command += ["-t", f"{topic}:{partition}:{which}"]
    result = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    if result.returncode != 0:
        raise RuntimeError(f"kcat -Q failed with status {result.returncode}: {result.stderr.decode()}")
    reply = json.loads(result.stdout)[topic]
    return [int(reply[str(partition)]["offset"]) for partition in range(partitions)]


def check_produced(kcat, address, topic, partitions, events, broker_log):
    """Raise unless the broker stores all `events` messages, from offset 0 of every partition."""
    earliest = partition_offsets(kcat, address, topic, partitions, -2)
    dropped = [partition for partition, offset in enumerate(earliest) if offset != 0]
    if dropped:
        raise RuntimeError(
            f"the broker dropped the oldest messages of partitions {dropped}, because furl-kafka-broker keeps "
            f"only about 5 MiB per partition; rerun with more than {partitions} --partitions")
    stored = sum(partition_offsets(kcat, address, topic, partitions, -1))
    if stored != events:
        raise RuntimeError(f"the broker stores {stored} messages of topic {topic}, expected {events}; see {broker_log}")


def scalar(server, sql):
    rows = server.query_rows(sql)
    return rows[0][0] if rows else None


def run(args, work_dir):
    if args.dataset == "wikipedia":
        input_path = os.path.join(work_dir, "wikipedia.json")
        events = write_wikipedia(input_path, args.repeat, args.limit)
        spec_path, topic, count_metric = WIKIPEDIA_SPEC, "wikipedia", "edits"
        produce_limit = None
    else:
        input_path = args.hits_file
        if input_path is None:
            input_path = os.path.join(work_dir, f"hits_{args.rows}.json")
            write_hits(input_path, args.rows)
        events = count_lines(input_path, args.limit)
        spec_path, topic, count_metric = HITS_SPEC, "hits", "hits"
        produce_limit = args.limit
    spec_path = args.spec or spec_path
    input_bytes = os.path.getsize(input_path)
    if produce_limit is not None:
        input_bytes = min(input_bytes, produce_limit * 4096)  # only sizes the partition count
    partitions = args.partitions or max(4, math.ceil(input_bytes / BYTES_PER_PARTITION[args.compression]))
    level = compression_level(args.compression, args.compression_level)
    print(f"input {input_path}: {events} events, {os.path.getsize(input_path)} bytes; "
          f"topic {topic} with {partitions} partitions, produced with {args.compression} compression "
          f"level {level}", flush=True)

    broker = Broker(args.broker, [f"{topic}:{partitions}"], work_dir=work_dir)
    server = None
    profiler = None
    try:
        started = time.monotonic()
        produce(args.kcat, broker.address, topic, input_path, produce_limit, args.compression, level,
                PRODUCER_OPTIONS if args.producer_option is None else args.producer_option)
        check_produced(args.kcat, broker.address, topic, partitions, events, broker.log_path)
        print(f"produced {events} events in {time.monotonic() - started:.1f} s", flush=True)

        data_dir = os.path.join(work_dir, "data")
        shutil.rmtree(data_dir, ignore_errors=True)  # a previous run's table would be counted too
        server = FurlServer(furld=args.furld, data_dir=data_dir)
        os.rmdir(server.work_dir)  # keep furld's log with the other files instead
        server.work_dir = work_dir
        server.log_path = os.path.join(work_dir, "furld.log")
        server.start()
        pid = server.process.pid

        spec = load_spec(spec_path, broker.address, topic)
        supervisor_id = spec["spec"]["dataSchema"]["dataSource"]
        profiler = start_perf(args.perf_record, args.perf_call_graph, pid, args.perf_event) if args.perf_record else None
        cpu_before = process_cpu_seconds(pid)
        threads_before = thread_cpu_seconds(pid)
        broker_cpu_before = process_cpu_seconds(broker.process.pid)
        submitted = time.monotonic()
        status, body = api(server, "POST", body=spec)
        if status != 200:
            raise RuntimeError(f"submitting {spec_path} failed: HTTP {status}: {body}")
        wait_until_assigned(server, supervisor_id, partitions, args.timeout, args.poll)
        assigned = time.monotonic()
        stats = wait_until_consumed(server, supervisor_id, events, args.timeout, args.poll)
        done = time.monotonic()
        cpu_s = process_cpu_seconds(pid) - cpu_before
        threads_after = thread_cpu_seconds(pid)
        thread_cpu_s = {name: seconds - threads_before.get(name, 0.0) for name, seconds in threads_after.items()}
        broker_cpu_s = process_cpu_seconds(broker.process.pid) - broker_cpu_before
        if profiler is not None:
            stop_perf(profiler)
            profiler = None

        totals = stats["totals"]["buildSegments"]
        if consumed(totals) != events:
            raise RuntimeError(f"the stats count {consumed(totals)} messages but {events} were produced: {stats}")
        kept = totals["processed"] + totals["processedWithError"]
        # The stats count a message when it is read, and its row becomes
        # visible at the next publish, up to 4 publish durations later.
        visible_deadline = time.monotonic() + 10
        while True:
            counted = int(scalar(server, f"SELECT sum({count_metric}) FROM {supervisor_id}") or 0)
            if counted == kept or time.monotonic() > visible_deadline:
                break
            time.sleep(args.poll)
        visible_lag_s = time.monotonic() - done
        if counted != kept:
            raise RuntimeError(f"sum({count_metric}) is {counted} but the stats count {kept} kept events, "
                               f"10 s after the stats counted every event")
        rows = int(scalar(server, f"SELECT count(*) FROM {supervisor_id}"))
        api(server, "POST", f"/{supervisor_id}/terminate")
    finally:
        if profiler is not None:
            stop_perf(profiler)
        if server is not None:
            server.stop()
        broker.stop()

    wall_s = done - assigned
    per_core_peer = args.peer_rows_per_s / args.peer_cores
    events_per_cpu_s = events / cpu_s if cpu_s > 0 else float("inf")
    print(f"supervisor {supervisor_id}: {totals['processed']} processed, {totals['thrownAway']} thrown away, "
          f"{totals['unparseable']} unparseable, {totals['processedWithError']} with field errors; "
          f"{stats['commits']} commits, {stats['rowsCommitted']} rows committed, {rows} rows in the table")
    print(f"every kept event visible to queries {visible_lag_s:.3f} s after the stats counted them (not in wall_s)")
    print(f"partitions assigned {assigned - submitted:.2f} s after submitting (not in wall_s); "
          f"broker CPU {broker_cpu_s:.2f} s (not in furld_cpu_s)")
    busy_threads = sorted(((seconds, name) for name, seconds in thread_cpu_s.items() if seconds > 0), reverse=True)
    print("furld CPU by thread name: " + ", ".join(f"{name} {seconds:.2f} s" for seconds, name in busy_threads))
    summary = {
        "dataset": args.dataset,
        "events": events,
        "partitions": partitions,
        "compression": args.compression,
        "compression_level": level,
        "wall_s": round(wall_s, 3),
        "furld_cpu_s": round(cpu_s, 3),
        "events_per_s": round(events / wall_s),
        "events_per_cpu_s": round(events_per_cpu_s),
        "peer_per_core": round(per_core_peer),
        "ratio_to_peer_per_core": round(events_per_cpu_s / per_core_peer, 2),
        "rows_in_table": rows,
    }
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")
    print("ingest-throughput " + " ".join(f"{key}={value}" for key, value in summary.items()), flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    build = os.path.join(REPO_ROOT, "build", "bin")
    parser.add_argument("--dataset", choices=["wikipedia", "hits"], default="wikipedia")
    parser.add_argument("--repeat", type=int, default=10,
                        help="wikipedia: copies of the 39,244-event sample, each shifted by a day [10]")
    parser.add_argument("--rows", type=int, default=1_000_000, help="hits: rows to generate [1000000]")
    parser.add_argument("--hits-file", help="hits: an existing JSONEachRow file from gen_hits.py")
    parser.add_argument("--limit", type=int, help="use only the first LIMIT events (for smoke tests)")
    parser.add_argument("--partitions", type=int,
                        help="partitions of the topic [one per 12 MiB of input with lz4, 4 MiB without "
                             "compression, 24 MiB with zstd; at least 4]")
    parser.add_argument("--compression", choices=sorted(BYTES_PER_PARTITION), default="lz4",
                        help="producer compression of the Kafka batches [lz4]: lz4 costs furld little "
                             "to decompress, which compares best with a peer that loads an uncompressed "
                             "file; zstd is what the first measurements used")
    parser.add_argument("--compression-level", type=int,
                        help="producer compression.level [9 for lz4, the Java client's default; the codec's "
                             "default otherwise]; -1 is librdkafka's default (fast lz4)")
    parser.add_argument("--producer-option", action="append", metavar="KEY=VALUE",
                        help="a librdkafka setting for kcat -P, repeated for more, in place of the "
                             f"defaults [{' '.join(PRODUCER_OPTIONS)}]; sticky.partitioning.linger.ms=0 "
                             "sends each message to a random partition, as the measurements before "
                             "2026-12-05 did")
    parser.add_argument("--furld", default=os.environ.get("FURLD", os.path.join(build, "furld")))
    parser.add_argument("--broker", default=os.path.join(build, "furl-kafka-broker"))
    parser.add_argument("--kcat", default="kcat")
    parser.add_argument("--timeout", type=float, default=900.0,
                        help="seconds to wait for the supervisor to consume every event [900]")
    parser.add_argument("--poll", type=float, default=0.05, help="seconds between stats requests [0.05]")
    parser.add_argument("--peer-rows-per-s", type=float, default=DEFAULT_PEER_ROWS_PER_S,
                        help="the fastest peer's JSON load rate, rows per second "
                             "[179000: chDB 26.7, 1M hits rows]")
    parser.add_argument("--peer-cores", type=int, default=DEFAULT_PEER_CORES,
                        help="cores the peer's load ran on [2]")
    parser.add_argument("--work-dir", help="keep the input, logs and data here instead of a temporary directory")
    parser.add_argument("--perf-record", metavar="FILE",
                        help="record a perf profile of furld from submit until done into FILE")
    parser.add_argument("--perf-call-graph", metavar="MODE",
                        help="perf --call-graph mode for --perf-record, such as dwarf,16384 [none]")
    parser.add_argument("--perf-event", default="cpu-clock",
                        help="perf event for --perf-record, such as page-faults [cpu-clock]")
    parser.add_argument("--json", help="also write the summary to this JSON file")
    parser.add_argument("--spec", help="submit this spec instead of the data set's own, such as a copy "
                                       "with other consumerProperties")
    args = parser.parse_args(argv)
    if args.repeat < 1 or args.rows < 1 or (args.partitions is not None and args.partitions < 1) or (args.limit is not None and args.limit < 1):
        parser.error("--repeat, --rows, --partitions and --limit must be at least 1")
    if args.hits_file and not os.path.isfile(args.hits_file):
        parser.error(f"--hits-file {args.hits_file} not found; create it with "
                     "gen_hits.py --format jsoneachrow")

    if args.work_dir:
        os.makedirs(args.work_dir, exist_ok=True)
        run(args, args.work_dir)
        return 0
    work_dir = tempfile.mkdtemp(prefix="furl-ingest-bench-")
    try:
        run(args, work_dir)
    except Exception:
        print(f"ingest-throughput failed; logs kept in {work_dir}", file=sys.stderr)
        raise
    shutil.rmtree(work_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
