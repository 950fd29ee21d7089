#!/usr/bin/env python3
"""End-to-end test of furl-kafka-broker with kcat as the Kafka client.

Starts the broker on a free loopback port, produces 1000 lines with zstd
compression, consumes them back from the beginning, checks that a second
broker on the same port fails to start, checks that an invalid
--request-errors value is rejected by name, and stops the first one by PID.
"""

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

MESSAGE_COUNT = 1000
TOPIC = "t"


def free_port():
    """Returns a loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_file(path, process, timeout_s):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if os.path.exists(path):
            with open(path) as f:
                return f.read().strip()
        if process.poll() is not None:
            raise AssertionError(f"broker exited with status {process.returncode} before writing {path}")
        time.sleep(0.05)
    raise AssertionError(f"broker did not write {path} within {timeout_s} s")


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, timeout=60, **kwargs)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--broker", required=True, help="path of furl-kafka-broker")
    parser.add_argument("--kcat", default="kcat", help="path of kcat")
    args = parser.parse_args()

    port = free_port()
    workdir = tempfile.mkdtemp(prefix="furl-kafka-broker-test-")
    port_file = os.path.join(workdir, "bootstrap")
    broker = subprocess.Popen(
        [args.broker, "--port", str(port), "--topic", f"{TOPIC}:3", "--port-file", port_file],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    failures = []
    try:
        address = wait_for_file(port_file, broker, 20)
        expected = f"127.0.0.1:{port}"
        if address != expected:
            failures.append(f"port file holds {address!r}; expected {expected!r}")
        printed = broker.stdout.readline().strip()
        if printed != address:
            failures.append(f"stdout holds {printed!r}; expected the port file's {address!r}")

        lines = "".join(f'{{"seq": {i}, "page": "p{i % 17}"}}\n' for i in range(MESSAGE_COUNT))
        produced = run([args.kcat, "-P", "-b", address, "-t", TOPIC, "-z", "zstd"], input=lines)
        if produced.returncode != 0:
            failures.append(f"kcat -P failed with status {produced.returncode}: {produced.stderr}")

        consumed = run([args.kcat, "-C", "-b", address, "-t", TOPIC, "-e", "-o", "beginning", "-q"])
        if consumed.returncode != 0:
            failures.append(f"kcat -C failed with status {consumed.returncode}: {consumed.stderr}")
        received = consumed.stdout.splitlines()
        if len(received) != MESSAGE_COUNT:
            failures.append(f"consumed {len(received)} messages; expected {MESSAGE_COUNT}")
        if sorted(received) != sorted(lines.splitlines()):
            failures.append("consumed messages differ from the produced ones")

        metadata = run([args.kcat, "-L", "-b", address, "-t", TOPIC])
        if "3 partitions" not in metadata.stdout:
            failures.append(f"topic {TOPIC} does not have 3 partitions: {metadata.stdout}")

        bad = run([args.broker, "--port", str(free_port()), "--request-errors", "2:x:29"])
        if bad.returncode == 0 or "invalid --request-errors '2:x:29'" not in bad.stderr:
            failures.append(f"an invalid --request-errors value was not rejected by name: {bad.stderr!r}")

        second = run([args.broker, "--port", str(port)])
        if second.returncode == 0:
            failures.append("a second broker on a port in use exited with status 0; expected a failure")
        elif str(port) not in second.stderr:
            failures.append(f"the second broker's error does not name port {port}: {second.stderr}")
    finally:
        broker.send_signal(signal.SIGTERM)
        try:
            status = broker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            broker.kill()
            broker.wait()
            status = None

    if status != 0:
        failures.append(f"broker exited with status {status} after SIGTERM; expected 0")
    if os.path.exists(port_file):
        failures.append("broker left its port file behind")
    os.rmdir(workdir)

    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    if not failures:
        print("kafka_dev_broker_test: ok")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
