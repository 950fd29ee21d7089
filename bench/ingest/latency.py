#!/usr/bin/env python3
"""Produce-to-visible latency of Kafka ingestion.

Starts furl-kafka-broker and furld, submits the plain Wikipedia spec
(examples/wikipedia-kafka-supervisor.json) for a one-partition topic, and
runs furl-ingest-latency (bench/ingest/latency_probe.cpp). That program
keeps one librdkafka producer connected, sends the sample's events at a
fixed rate, and runs `SELECT count(*)` over HTTP in a loop; an event's
latency is the time from its produce call to the end of the first query
whose count includes it. It prints p50, p90, p99 and max, and the same for
the broker's acknowledgement, once per rate. Not part of CI; the ctest
bench.ingest_latency_smoke runs it with a few events only.

    python3 bench/ingest/latency.py [--events 2000] [--rates 100,1000,5000] [--build build]
"""

import argparse
import gzip
import json
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "integration"))
from furl_testlib import FurlServer  # noqa: E402
from kafka_ingest import Broker, api, make_spec, PLAIN_SPEC, SAMPLE, assigned, wait_for  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="events per rate")
    parser.add_argument("--rates", default="100,1000,5000", help="comma-separated events per second")
    parser.add_argument("--build", default=os.path.join(REPO, "build"))
    parser.add_argument("--json-out", help="write the results of all rates to this file")
    args = parser.parse_args()
    rates = [float(rate) for rate in args.rates.split(",")]
    probe = os.path.join(args.build, "bin", "furl-ingest-latency")

    work = tempfile.mkdtemp(prefix="furl-latency-")
    events_file = os.path.join(work, "events.jsonl")
    with gzip.open(SAMPLE, "rt", encoding="utf-8") as f:
        sample = [line for line in f if line.strip()]
    if args.events > len(sample):
        sys.exit(f"--events {args.events} is more than the {len(sample)} events of {SAMPLE}")
    with open(events_file, "w", encoding="utf-8") as f:
        f.writelines(sample[:args.events])

    topics = [f"latency{i}:1" for i in range(len(rates))]
    broker = Broker(os.path.join(args.build, "bin", "furl-kafka-broker"), topics)
    server = FurlServer(furld=os.path.join(args.build, "bin", "furld"))
    results = []
    try:
        server.start()
        for i, rate in enumerate(rates):
            table = f"latency{i}"
            status, body = api(server, "POST", body=make_spec(PLAIN_SPEC, broker.address, dataSource=table,
                                                               topic=table))
            if status != 200:
                raise RuntimeError(f"submit failed: {status} {body}")
            wait_for("partition assigned", lambda: assigned(server, table, 1), 60)
            run = subprocess.run([probe, "--brokers", broker.address, "--topic", table,
                                  "--http", f"127.0.0.1:{server.port}", "--table", table,
                                  "--input", events_file, "--events", str(args.events), "--rate", str(rate)],
                                 capture_output=True, text=True, timeout=600)
            sys.stdout.write(run.stdout)
            sys.stderr.write(run.stderr)
            if run.returncode != 0:
                raise RuntimeError(f"furl-ingest-latency failed at {rate} events/s (exit {run.returncode})")
            result = json.loads(run.stdout.strip().splitlines()[-1])
            results.append(result)
            status, _ = api(server, "POST", f"/{table}/terminate")
    finally:
        server.close()
        broker.stop()
        shutil.rmtree(work, ignore_errors=True)
    if args.json_out:
        with open(args.json_out, "w", encoding="utf-8") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
