#!/usr/bin/env python3
"""Produce-to-visible latency of Kafka ingestion: one event at a time.

Starts furl-kafka-broker and furld, submits the plain Wikipedia spec
(examples/wikipedia-kafka-supervisor.json) for a one-partition topic, then
for each of N events: starts `kcat -P` with one JSON line and polls
`SELECT count(*)` over HTTP until the count includes the event. Prints p50,
p90, p99 and max from the start of kcat to the event being counted, and
the same for kcat's own run time (start, connect, send, exit). kcat -P
reads its whole input before it sends, so each event needs its own kcat,
and kcat's start-up is part of the numbers.
Not part of CI.

    python3 bench/ingest/latency.py [--events 200] [--build build]
"""

import argparse
import gzip
import http.client
import json
import os
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
from furl_testlib import FurlServer, _die_with_parent  # noqa: E402
from kafka_ingest import Broker, api, make_spec, PLAIN_SPEC, SAMPLE, assigned, wait_for  # noqa: E402


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--kcat", default="kcat")
    parser.add_argument("--pause-ms", type=float, default=20.0, help="wait between two events")
    args = parser.parse_args()

    with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
        sample = [json.loads(line) for _, line in zip(range(args.events), f)]
    broker = Broker(os.path.join(args.build, "bin", "furl-kafka-broker"), ["latency:1"])
    server = FurlServer(furld=os.path.join(args.build, "bin", "furld"))
    try:
        server.start()
        status, body = api(server, "POST", body=make_spec(PLAIN_SPEC, broker.address, dataSource="latency",
                                                           topic="latency"))
        if status != 200:
            raise RuntimeError(f"submit failed: {status} {body}")
        wait_for("partition assigned", lambda: assigned(server, "latency", 1), 60)
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)

        def count():
            connection.request("POST", "/", body=b"SELECT count(*) FROM latency")
            response = connection.getresponse()
            text = response.read().decode()
            return int(text) if response.status == 200 else -1

        def produce(event):
            return subprocess.Popen([args.kcat, "-P", "-b", broker.address, "-t", "latency", "-X", "linger.ms=0"],
                                    stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    preexec_fn=_die_with_parent)

        latencies = []
        kcat_times = []
        for i in range(args.events):
            time.sleep(args.pause_ms / 1000)
            begin = time.perf_counter()
            producer = produce(sample[i])
            producer.stdin.write((json.dumps(sample[i]) + "\n").encode())
            producer.stdin.close()
            kcat_done = None
            while count() < i + 1:
                if kcat_done is None and producer.poll() is not None:
                    kcat_done = time.perf_counter()
                if time.perf_counter() - begin > 30:
                    raise RuntimeError(f"event {i} not visible after 30 s")
            latencies.append((time.perf_counter() - begin) * 1000)
            producer.wait(timeout=30)
            kcat_times.append(((kcat_done or time.perf_counter()) - begin) * 1000)
            producer = None

        for name, values in (("kcat start to visible", latencies), ("kcat run time", kcat_times)):
            print(f"{name} over {len(values)} events (ms): p50 {percentile(values, 0.5):.1f}  "
                  f"p90 {percentile(values, 0.9):.1f}  p99 {percentile(values, 0.99):.1f}  "
                  f"max {max(values):.1f}  mean {statistics.mean(values):.1f}")
    finally:
        server.close()
        broker.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
