#!/usr/bin/env bash
# Install the packages Furl needs, build it, start a development Kafka
# broker and furld, produce the Wikipedia edits sample to Kafka, ingest it
# with two Druid supervisor specs (raw and rolled up by minute) and query
# both tables.
#
#   bash scripts/demo.sh [--skip-build] [--keep-data]
#
# --skip-build uses the binaries already in build/ and installs nothing.
# The broker (build/bin/furl-kafka-broker, librdkafka's mock cluster) and
# furld listen on free ports on 127.0.0.1; furld keeps its data in a
# temporary directory. The script stops both by PID when it exits, also on
# an error or Ctrl-C. --keep-data leaves the data directory in place.
set -euo pipefail
cd "$(dirname "$0")/.."

skip_build=0
keep_data=0
for argument in "$@"; do
  case "$argument" in
    --skip-build) skip_build=1 ;;
    --keep-data) keep_data=1 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "demo: unknown option '$argument'; use --skip-build or --keep-data" >&2; exit 2 ;;
  esac
done

furld=${FURLD:-build/bin/furld}
broker=${FURL_KAFKA_BROKER:-build/bin/furl-kafka-broker}
sample=examples/wikiticker-2015-09-12-sampled.json.gz
work_dir=$(mktemp -d -t furl-demo-XXXXXX)
furld_pid=
broker_pid=
port=
bootstrap=

log() { printf '\n== %s\n' "$*"; }

cleanup() {
  local pid
  for pid in "$furld_pid" "$broker_pid"; do
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid"
      wait "$pid" 2>/dev/null || true
    fi
  done
  if ((keep_data)); then
    echo "demo: data kept in $work_dir/data"
  else
    rm -rf "$work_dir"
  fi
}
trap cleanup EXIT

build() {
  if ((skip_build)); then
    return
  fi
  log "Installing packages (scripts/install-deps.sh) and building (scripts/build.sh)"
  bash scripts/install-deps.sh
  bash scripts/build.sh
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() {
  if [[ ! -x "$furld" ]]; then
    echo "demo: $furld not found; run without --skip-build or set FURLD" >&2
    exit 1
  fi
  port=$(free_port)
  log "Starting furld on 127.0.0.1:$port (data in $work_dir/data)"
  "$furld" --data-dir "$work_dir/data" --http-port "$port" --native-port 0 >"$work_dir/furld.log" 2>&1 &
  furld_pid=$!
  for _ in $(seq 1 600); do
    if curl -sf "http://127.0.0.1:$port/ping" >/dev/null 2>&1; then
      return
    fi
    if ! kill -0 "$furld_pid" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "demo: furld did not start; last lines of its log:" >&2
  tail -n 20 "$work_dir/furld.log" >&2
  exit 1
}

# Runs one statement; the SQL is the request body, the result goes to stdout.
sql() {
  curl -sS --fail-with-body "http://127.0.0.1:$port/" --data-binary "$1"
}

start_broker() {
  local broker_port
  broker_port=$(free_port)
  log "Starting a development Kafka broker on 127.0.0.1:$broker_port (topic wikipedia, 3 partitions)"
  "$broker" --port "$broker_port" --topic wikipedia:3 --port-file "$work_dir/bootstrap" >"$work_dir/broker.log" 2>&1 &
  broker_pid=$!
  for _ in $(seq 1 100); do
    if [[ -s "$work_dir/bootstrap" ]]; then
      bootstrap=$(cat "$work_dir/bootstrap")
      return
    fi
    sleep 0.1
  done
  echo "demo: the broker did not start; its log:" >&2
  cat "$work_dir/broker.log" >&2
  exit 1
}

produce() {
  log "Producing $sample to topic wikipedia with kcat"
  gzip -dc "$sample" | kcat -P -b "$bootstrap" -t wikipedia -z zstd
}

# Submits a Druid supervisor spec from examples/ with bootstrap.servers
# pointed at the development broker.
submit() {
  local spec=$1
  printf 'submitting %s: ' "$spec"
  python3 - "$spec" "$bootstrap" <<'PYTHON' |
import json, sys
spec = json.load(open(sys.argv[1]))
io_config = spec["spec"]["ioConfig"] if "spec" in spec else spec["ioConfig"]
io_config["consumerProperties"]["bootstrap.servers"] = sys.argv[2]
json.dump(spec, sys.stdout)
PYTHON
    curl -sS --fail-with-body "http://127.0.0.1:$port/druid/indexer/v1/supervisor" \
      -H 'Content-Type: application/json' --data-binary @-
  echo
}

# Waits until `sql` returns `expected`, for at most two minutes.
wait_for() {
  local query=$1 expected=$2 actual=
  for _ in $(seq 1 1200); do
    actual=$(sql "$query" 2>/dev/null || true)
    if [[ "$actual" == "$expected" ]]; then
      return
    fi
    sleep 0.1
  done
  echo "demo: '$query' returned '$actual', expected '$expected'" >&2
  exit 1
}

# Waits until the supervisor `id` has its 3 partitions assigned.
wait_assigned() {
  local id=$1
  for _ in $(seq 1 600); do
    if curl -sf "http://127.0.0.1:$port/druid/indexer/v1/supervisor/$id/status" |
      python3 -c 'import json, sys; sys.exit(len(json.load(sys.stdin)["payload"]["currentOffsets"]) != 3)'; then
      return
    fi
    sleep 0.1
  done
  echo "demo: supervisor $id got no partitions; furld log: $work_dir/furld.log" >&2
  exit 1
}

ingest_from_kafka() {
  local events started=$SECONDS
  events=$(gzip -dc "$sample" | wc -l)
  log "Submitting the supervisor specs (Druid's POST /druid/indexer/v1/supervisor)"
  submit examples/wikipedia-kafka-supervisor.json
  submit examples/wikipedia-rollup-supervisor.json
  # The first spec, like Druid's tutorial, reads from the latest offset, so
  # events are produced once its consumer owns the partitions.
  wait_assigned wikipedia
  wait_assigned wikipedia_by_minute
  produce
  log "Waiting until all $events events are queryable"
  wait_for "SELECT count(*) FROM wikipedia" "$events"
  # The rollup spec drops #en.wikipedia and counts the rest in `edits`.
  local rolled_up
  rolled_up=$(gzip -dc "$sample" | grep -vc '"channel":"#en.wikipedia"')
  wait_for "SELECT sum(edits) FROM wikipedia_by_minute" "$rolled_up"
  echo "ingested $events events into wikipedia and $rolled_up into wikipedia_by_minute in $((SECONDS - started)) s"
  curl -sS "http://127.0.0.1:$port/druid/indexer/v1/supervisor/wikipedia/stats"
  echo
}

show() {
  printf '\n-- %s\n%s\n' "$1" "$2"
  sql "$2 FORMAT PrettyCompact"
}

run_queries() {
  log "Example queries"
  show "Most edited pages" \
    "SELECT page, count(*) AS edits FROM wikipedia GROUP BY page ORDER BY edits DESC, page LIMIT 10"
  show "Edits per hour" \
    "SELECT toStartOfHour(__time) AS hour, count(*) AS edits FROM wikipedia GROUP BY hour ORDER BY hour"
  show "Channels by edits, with lines added and deleted" \
    "SELECT channel, count(*) AS edits, sum(added) AS added, sum(deleted) AS deleted FROM wikipedia GROUP BY channel ORDER BY edits DESC, channel LIMIT 5"
  show "Distinct editors, exact and from a HyperLogLog sketch" \
    "SELECT uniqExact(user) AS exact, uniq(user) AS approximate FROM wikipedia"
  show "Rolled up by minute: distinct editors per hour, merged from per-minute sketches" \
    "SELECT toStartOfHour(__time) AS hour, APPROX_COUNT_DISTINCT(unique_users) AS editors FROM wikipedia_by_minute GROUP BY hour ORDER BY hour LIMIT 6"
  show "Rolled up by minute: edits per channel outside #en.wikipedia" \
    "SELECT channel, sum(edits) AS edits, sum(added) AS added, max(max_delta) AS max_delta FROM wikipedia_by_minute GROUP BY channel ORDER BY edits DESC, channel LIMIT 5"
  printf '\n-- %s\n' "The top pages through Druid's SQL API (POST /druid/v2/sql)"
  curl -sS --fail-with-body "http://127.0.0.1:$port/druid/v2/sql" -H 'Content-Type: application/json' \
    --data '{"query": "SELECT page, COUNT(*) AS edits FROM wikipedia GROUP BY page ORDER BY edits DESC LIMIT 3", "resultFormat": "array", "header": true}'
  echo
}

build
start_broker
start_server
ingest_from_kafka
run_queries
log "Done; stopping furld and the broker"
