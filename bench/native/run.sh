#!/usr/bin/env bash
# Fetch one large result over Furl's native protocol, Furl's HTTP interface
# (TSV and JSONEachRow) and ClickHouse's native protocol (clickhouse-client),
# side by side on the same rows. Not part of CI.
#
#   bash bench/native/run.sh [ROWS]        # default 2000000 rows
#   BUILD_DIR=build-x bash bench/native/run.sh
#
# Needs a build (scripts/build.sh) and, for the ClickHouse column,
# `apt-get install -y clickhouse-server clickhouse-client` and the peer
# scripts in ../shared/peers. Every server listens on 127.0.0.1 and is
# stopped by PID at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."

rows=${1:-2000000}
bin=${BUILD_DIR:-build}/bin
for program in furld furl; do
  [[ -x $bin/$program ]] || { echo "missing $bin/$program; run scripts/build.sh first" >&2; exit 1; }
done
work=$(mktemp -d /tmp/furl-bench-native.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port=$(free_port)
native_port=$(free_port)

"$bin/furld" --data-dir "$work/data" --http-port "$http_port" --native-port "$native_port" \
  --log-level warn > "$work/furld.log" 2>&1 &
furld_pid=$!
ch_started=0
cleanup() {
  kill "$furld_pid" 2>/dev/null || true
  wait "$furld_pid" 2>/dev/null || true
  if [[ $ch_started == 1 ]]; then CH_DIR="$work/clickhouse" bash "$work/peers/clickhouse/stop.sh" || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 300); do
  curl -sf "http://127.0.0.1:$http_port/ping" > /dev/null && break
  kill -0 "$furld_pid" 2>/dev/null || { cat "$work/furld.log" >&2; exit 1; }
  sleep 0.1
done

furl_sql() { curl -sSf "http://127.0.0.1:$http_port/" --data-binary "$1"; }
furl_sql "CREATE TABLE big (id UInt64, user String, t DateTime, x Float64) ENGINE = MergeTree ORDER BY id"
furl_sql "INSERT INTO big SELECT number, concat('user', toString(number % 100000)),
          toDateTime(1441929600 + intDiv(number, 10)), number / 7 FROM numbers($rows)"
echo "furl: $(furl_sql 'SELECT count(*) FROM big') rows loaded"

ch_args=()
if command -v clickhouse-client > /dev/null && [[ -d ../shared/peers/clickhouse ]]; then
  cp -r ../shared/peers "$work/peers"
  chmod -R u+w "$work/peers"
  ch_tcp=$(free_port)
  ch_http=$(free_port)
  CH_DIR="$work/clickhouse" CH_TCP=$ch_tcp CH_HTTP=$ch_http bash "$work/peers/clickhouse/start.sh" > /dev/null
  ch_started=1
  ch() { clickhouse-client --host 127.0.0.1 --port "$ch_tcp" --query "$1"; }
  ch "CREATE TABLE big (id UInt64, user String, t DateTime, x Float64) ENGINE = MergeTree ORDER BY id"
  ch "INSERT INTO big SELECT number, concat('user', toString(number % 100000)),
      toDateTime(1441929600 + intDiv(number, 10)), number / 7 FROM numbers($rows)"
  echo "clickhouse: $(ch 'SELECT count(*) FROM big') rows loaded"
  ch_args=(--clickhouse-port "$ch_tcp")
fi

python3 bench/native/fetch_large_result.py --furl "$bin/furl" --native-port "$native_port" \
  --http-port "$http_port" "${ch_args[@]}" --query "SELECT * FROM big" --repeat 3
