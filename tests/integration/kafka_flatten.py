#!/usr/bin/env python3
"""Kafka ingestion of nested JSON through a Druid flattenSpec, end to end.

Produces nested order events to furl-kafka-broker with kcat, submits specs
over Druid's supervisor API and checks:

- a flattenSpec expression outside the supported subset is rejected with
  HTTP 400 and the JSON path of the bad field;
- a spec whose timestamp, dimensions, metric input and filter field are all
  nested (path, jq, tree and root fields) ingests every event the filter
  keeps. Its values match the ones computed here from the events: scalars,
  a multi-value array, a field missing from some events, the last element
  of an array by negative index, and a root field renamed by its expr;
- a schemaless spec with useFieldDiscovery false gets the flattenSpec fields
  as its columns and nothing else;
- an expression transform that does not compile is rejected with HTTP 400
  and its JSON path, and transforms of flattened fields feed a dimension, a
  metric and the filter.

    python3 tests/integration/kafka_flatten.py --furld build/bin/furld \\
        --broker build/bin/furl-kafka-broker --kcat kcat
"""

import collections
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kafka_ingest import (  # noqa: E402
    TEST_CONSUMER_PROPERTIES, api, count, produce, run_kafka_test, stats, wait_for)

TOPIC = "orders"
NUM_EVENTS = 60
BASE_MS = 1442016000000
CHANNELS = ["#en", "#de", "#fr"]
CITIES = ["Oslo", "Lima"]


def make_events():
    """Nested events; every fifth is a robot, and every seventh from the fourth has no geo object."""
    events = []
    for i in range(NUM_EVENTS):
        event = {
            "meta": {"time": BASE_MS + i * 1000, "source": "web"},
            "page": {"channel": CHANNELS[i % 3], "tags": ["a", "b"] if i % 2 == 0 else ["c"]},
            "edit": {"sizes": [i, 100 + i]},
            "flags": {"robot": i % 5 == 0},
            "user": f"user{i % 4}",
            "region": "north" if i % 2 == 0 else "south",
            # A top-level member that a flattenSpec field of the same name hides.
            "channel": "top-level",
        }
        if i % 7 != 3:
            event["geo"] = {"city": CITIES[i % 2]}
        events.append(event)
    return events


def make_spec(address, data_source, flatten_spec, dimensions, metrics, transform_spec=None):
    data_schema = {
        "dataSource": data_source,
        "timestampSpec": {"column": "time", "format": "millis"},
        "dimensionsSpec": {"dimensions": dimensions},
        "metricsSpec": metrics,
        "granularitySpec": {"segmentGranularity": "HOUR", "queryGranularity": "NONE", "rollup": False},
    }
    if transform_spec is not None:
        data_schema["transformSpec"] = transform_spec
    return {"type": "kafka", "spec": {
        "dataSchema": data_schema,
        "ioConfig": {"topic": TOPIC, "useEarliestOffset": True,
                     "inputFormat": {"type": "json", "flattenSpec": flatten_spec},
                     "consumerProperties": {"bootstrap.servers": address, **TEST_CONSUMER_PROPERTIES}},
        "tuningConfig": {"type": "kafka"}}}


NESTED_FLATTEN = {
    "useFieldDiscovery": False,
    "fields": [
        {"type": "path", "name": "time", "expr": "$.meta.time"},
        {"type": "jq", "name": "channel", "expr": ".page.channel"},
        {"type": "tree", "name": "city", "nodes": ["geo", "city"]},
        {"type": "path", "name": "tags", "expr": "$['page']['tags']"},
        {"type": "path", "name": "added", "expr": "$.edit.sizes[0]"},
        {"type": "jq", "name": "last_size", "expr": ".edit.sizes[-1]"},
        {"type": "path", "name": "robot", "expr": "$.flags.robot"},
        {"type": "root", "name": "customer", "expr": "user"},
    ],
}


def check_rejected_spec(checks, server, address):
    bad_flatten = {"fields": ["user", {"type": "path", "name": "sku", "expr": "$.items[*].sku"}]}
    status, body = api(server, "POST", body=make_spec(address, "bad_flatten", bad_flatten, ["user"], []))
    checks.equal("unsupported JSONPath status", 400, status)
    checks.true("unsupported JSONPath message",
                "spec.ioConfig.inputFormat.flattenSpec.fields[1].expr: unsupported JSONPath '$.items[*].sku': "
                "wildcards are not supported" in str(body), f"body: {body}")


def check_nested_spec(checks, server, address, events):
    spec = make_spec(address, "orders_flat", NESTED_FLATTEN,
                     ["channel", "city", "tags", "customer"],
                     [{"type": "count", "name": "events"},
                      {"type": "longSum", "name": "added", "fieldName": "added"},
                      {"type": "longMax", "name": "max_last_size", "fieldName": "last_size"}],
                     {"filter": {"type": "selector", "dimension": "robot", "value": "false"}})
    status, body = api(server, "POST", body=spec)
    checks.equal("submit nested spec", 200, status)

    human_events = [event for event in events if not event["flags"]["robot"]]
    wait_for("the nested events that pass the filter", lambda: count(server, "orders_flat") == len(human_events), 60)
    checks.equal("nested rows", len(human_events), count(server, "orders_flat"))
    totals = stats(server, "orders_flat")["totals"]["buildSegments"]
    checks.equal("robots thrown away", len(events) - len(human_events), totals["thrownAway"])
    checks.equal("nothing unparseable", 0, totals["unparseable"])

    by_channel = collections.defaultdict(lambda: [0, 0, 0])
    for event in human_events:
        entry = by_channel[event["page"]["channel"]]
        entry[0] += 1
        entry[1] += event["edit"]["sizes"][0]
        entry[2] = max(entry[2], event["edit"]["sizes"][-1])
    expected = [[channel, str(n), str(added), str(last)] for channel, (n, added, last) in sorted(by_channel.items())]
    rows = server.query_rows("SELECT channel, count(*), SUM(added), MAX(max_last_size) FROM orders_flat "
                             "GROUP BY channel ORDER BY channel")
    checks.equal("rows by nested channel", expected, rows)

    without_city = sum(1 for event in human_events if "geo" not in event)
    checks.equal("events without geo have a NULL city", str(without_city),
                 server.query_rows("SELECT count(*) FROM orders_flat WHERE city IS NULL")[0][0])
    oslo = sum(1 for event in human_events if event.get("geo", {}).get("city") == "Oslo")
    checks.equal("city from the tree field", str(oslo),
                 server.query_rows("SELECT count(*) FROM orders_flat WHERE city = 'Oslo'")[0][0])
    two_tags = sum(1 for event in human_events if len(event["page"]["tags"]) == 2)
    checks.equal("multi-value tags", str(two_tags),
                 server.query_rows("""SELECT count(*) FROM orders_flat WHERE tags = '["a","b"]'""")[0][0])
    customers = sorted({event["user"] for event in human_events})
    checks.equal("root field renamed by expr", [[customer] for customer in customers],
                 server.query_rows("SELECT DISTINCT customer FROM orders_flat ORDER BY customer"))


def check_schemaless_spec(checks, server, address, events):
    flatten = {"useFieldDiscovery": False, "fields": [
        {"type": "path", "name": "time", "expr": "$.meta.time"},
        {"type": "jq", "name": "channel", "expr": ".page.channel"},
        {"type": "tree", "name": "city", "nodes": ["geo", "city"]},
        "region",
    ]}
    spec = make_spec(address, "orders_schemaless", flatten, [], [{"type": "count", "name": "events"}])
    status, body = api(server, "POST", body=spec)
    checks.equal("submit schemaless spec", 200, status)
    checks.true("schemaless note lists the dimensions",
                isinstance(body, dict) and any("channel, city, region" in note for note in body.get("notes", [])),
                f"body: {body}")

    wait_for("the schemaless events", lambda: count(server, "orders_schemaless") == len(events), 60)
    rows = server.query_json_rows("SELECT * FROM orders_schemaless ORDER BY __time LIMIT 1")
    checks.equal("schemaless columns", ["__time", "channel", "city", "events", "region"],
                 sorted(rows[0].keys()) if rows else [])
    first = [rows[0].get("channel"), rows[0].get("city"), rows[0].get("region")] if rows else []
    checks.equal("schemaless first row", [CHANNELS[0], CITIES[0], "north"], first)


def check_transformed_spec(checks, server, address, events):
    """Transforms read flattened fields, and their outputs feed a dimension, a metric and the filter."""
    bad = make_spec(address, "bad_transform", NESTED_FLATTEN, ["channel"], [],
                    {"transforms": [{"type": "expression", "name": "x", "expression": "upper(channel"}]})
    status, body = api(server, "POST", body=bad)
    checks.equal("invalid expression status", 400, status)
    checks.true("invalid expression message",
                "spec.dataSchema.transformSpec.transforms[0].expression: at character 14: expected ',' or ')'"
                in str(body), f"body: {body}")

    transform_spec = {
        "transforms": [
            {"type": "expression", "name": "channel", "expression": "upper(replace(channel, '#', ''))"},
            {"type": "expression", "name": "added", "expression": "added * 2"},
            {"type": "expression", "name": "human", "expression": "!robot"},
        ],
        "filter": {"type": "selector", "dimension": "human", "value": "1"},
    }
    spec = make_spec(address, "orders_transformed", NESTED_FLATTEN, ["channel", "customer"],
                     [{"type": "count", "name": "events"},
                      {"type": "longSum", "name": "added", "fieldName": "added"}],
                     transform_spec)
    status, body = api(server, "POST", body=spec)
    checks.equal("submit transformed spec", 200, status)

    human_events = [event for event in events if not event["flags"]["robot"]]
    wait_for("the transformed events that pass the filter", lambda: count(server, "orders_transformed") == len(human_events), 60)
    totals = stats(server, "orders_transformed")["totals"]["buildSegments"]
    checks.equal("transformed robots thrown away", len(events) - len(human_events), totals["thrownAway"])

    by_channel = collections.defaultdict(lambda: [0, 0])
    for event in human_events:
        entry = by_channel[event["page"]["channel"].replace("#", "").upper()]
        entry[0] += 1
        entry[1] += event["edit"]["sizes"][0] * 2
    expected = [[channel, str(n), str(added)] for channel, (n, added) in sorted(by_channel.items())]
    rows = server.query_rows("SELECT channel, count(*), SUM(added) FROM orders_transformed "
                             "GROUP BY channel ORDER BY channel")
    checks.equal("rows by transformed channel", expected, rows)


def run_checks(checks, server, broker, args):
    events = make_events()
    produce(args.kcat, broker.address, TOPIC, [json.dumps(event) for event in events])
    check_rejected_spec(checks, server, broker.address)
    check_nested_spec(checks, server, broker.address, events)
    check_schemaless_spec(checks, server, broker.address, events)
    check_transformed_spec(checks, server, broker.address, events)


def main():
    return run_kafka_test("kafka_flatten", [f"{TOPIC}:1"], run_checks)


if __name__ == "__main__":
    sys.exit(main())
