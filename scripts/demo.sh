#!/usr/bin/env bash
# Install the packages Furl needs, build it, start furld, load the
# Wikipedia edits sample and query it.
#
#   bash scripts/demo.sh [--skip-build] [--keep-data]
#
# --skip-build uses the furld already in build/ (or $FURLD) and installs nothing.
# furld listens on a free port on 127.0.0.1 with a temporary data directory.
# The script stops it by PID when it exits, also on an error or Ctrl-C.
# --keep-data leaves the data directory in place and prints its path.
# Each step is a function, so another way to load the data (from Kafka, say)
# can replace load_over_http without touching the rest.
set -euo pipefail
cd "$(dirname "$0")/.."

skip_build=0
keep_data=0
for argument in "$@"; do
  case "$argument" in
    --skip-build) skip_build=1 ;;
    --keep-data) keep_data=1 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "demo: unknown option '$argument'; use --skip-build or --keep-data" >&2; exit 2 ;;
  esac
done

furld=${FURLD:-build/bin/furld}
sample=examples/wikiticker-2015-09-12-sampled.json.gz
work_dir=$(mktemp -d -t furl-demo-XXXXXX)
furld_pid=
port=

log() { printf '\n== %s\n' "$*"; }

cleanup() {
  if [[ -n "$furld_pid" ]] && kill -0 "$furld_pid" 2>/dev/null; then
    kill -TERM "$furld_pid"
    wait "$furld_pid" 2>/dev/null || true
  fi
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

create_table() {
  log "Creating table wikipedia (examples/wikipedia.sql)"
  sql "$(cat examples/wikipedia.sql)"
}

load_over_http() {
  log "Loading $sample over HTTP (INSERT ... FORMAT JSONEachRow)"
  local started=$SECONDS
  gzip -dc "$sample" | curl -sS --fail-with-body \
    "http://127.0.0.1:$port/?query=INSERT%20INTO%20wikipedia%20FORMAT%20JSONEachRow" --data-binary @-
  echo "loaded $(sql 'SELECT count(*) FROM wikipedia') rows in $((SECONDS - started)) s"
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
    "SELECT toStartOfHour(time) AS hour, count(*) AS edits FROM wikipedia GROUP BY hour ORDER BY hour"
  show "Channels by edits, with lines added and deleted" \
    "SELECT channel, count(*) AS edits, sum(added) AS added, sum(deleted) AS deleted FROM wikipedia GROUP BY channel ORDER BY edits DESC, channel LIMIT 5"
  show "Distinct editors, exact" \
    "SELECT uniqExact(user) AS users, count(DISTINCT user) AS users_count_distinct FROM wikipedia"
  printf '\n-- %s\n' "The top pages through Druid's SQL API (POST /druid/v2/sql)"
  curl -sS --fail-with-body "http://127.0.0.1:$port/druid/v2/sql" -H 'Content-Type: application/json' \
    --data '{"query": "SELECT page, COUNT(*) AS edits FROM wikipedia GROUP BY page ORDER BY edits DESC LIMIT 3", "resultFormat": "array", "header": true}'
  echo
}

build
start_server
create_table
load_over_http
run_queries
log "Done; stopping furld"
