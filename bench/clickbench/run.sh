#!/usr/bin/env bash
# ClickBench side by side: Furl, ClickHouse 18.16, DuckDB and chDB on the same
# generated `hits` rows in one run, then the ratio table (compare.py).
#
#   bash bench/clickbench/run.sh                     # 10,000,000 rows
#   ROWS=1000000 bash bench/clickbench/run.sh
#   TSV=/tmp/hits/hits-10M.tsv bash bench/clickbench/run.sh
#   ENGINES="furl duckdb" bash bench/clickbench/run.sh
#
# Variables (defaults in brackets):
#   ROWS      rows to generate [10000000]; with TSV, the number of rows in that file
#   TSV       an existing file from gen_hits.py to use instead of generating
#   WORK      data, databases and results [/tmp/furl-clickbench]
#   ENGINES   engines to run [furl clickhouse duckdb chdb]
#   PEERS     the peer scripts, copied from ../shared/peers if missing
#             [/tmp/peers]; run `npm ci` in its duckdb/ and chdb/ folders
#   FURL_DATA Furl's data directory [$WORK/furl-data]; REUSE_FURL=1 keeps a
#             loaded one when its hits table has ROWS rows
#   REPEAT    runs per query, best one counts [3]
#   BUILD_DIR Furl build [build]
#
# Furl runs first, then each peer through the peer scripts' run_peers.sh,
# one at a time, so they never compete for the CPU. Results go to
# $WORK/results/: furl.json, the peers' JSON files and comparison.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD

ROWS=${ROWS:-10000000}
WORK=${WORK:-/tmp/furl-clickbench}
ENGINES=${ENGINES:-furl clickhouse duckdb chdb}
PEERS=${PEERS:-/tmp/peers}
FURL_DATA=${FURL_DATA:-$WORK/furl-data}
REPEAT=${REPEAT:-3}
BUILD_DIR=${BUILD_DIR:-build}
results=$WORK/results
mkdir -p "$WORK" "$results"

# ---- data ----
if [[ -n ${TSV:-} ]]; then
  tsv=$TSV
else
  tsv=$WORK/hits_$ROWS.tsv
  if [[ ! -s $tsv ]]; then
    echo "generating $ROWS rows into $tsv"
    /usr/bin/python3 bench/clickbench/gen_hits.py --rows "$ROWS" --workers 2 --out "$tsv.tmp"
    mv "$tsv.tmp" "$tsv"
  fi
fi
[[ -s $tsv ]] || { echo "missing data file $tsv" >&2; exit 1; }

peer_engines=()
run_furl=0
for engine in $ENGINES; do
  case $engine in
    furl) run_furl=1 ;;
    clickhouse | duckdb | chdb) peer_engines+=("$engine") ;;
    *) echo "unknown engine '$engine'; use furl, clickhouse, duckdb or chdb" >&2; exit 2 ;;
  esac
done

# ---- Furl ----
if [[ $run_furl == 1 ]]; then
  furld=$BUILD_DIR/bin/furld
  [[ -x $furld ]] || { echo "missing $furld; run scripts/build.sh first" >&2; exit 1; }
  load_args=(--tsv "$tsv")
  if [[ ${REUSE_FURL:-0} == 1 && -d $FURL_DATA ]]; then
    load_args=(--skip-load)
  else
    rm -rf "$FURL_DATA"
  fi
  python3 bench/clickbench/furl_bench.py --furld "$furld" --data-dir "$FURL_DATA" "${load_args[@]}" \
    --repeat "$REPEAT" --json "$results/furl.json" | tee "$results/furl.txt"
  if [[ ${load_args[0]} == --skip-load ]]; then
    count=$(python3 -c 'import json,sys; q=json.load(open(sys.argv[1]))["queries"][0]; print(q["result"][0][0])' \
      "$results/furl.json")
    [[ $count == "$ROWS" ]] || { echo "REUSE_FURL: $FURL_DATA contains $count rows, expected $ROWS; unset REUSE_FURL to reload" >&2; exit 1; }
  fi
fi

# ---- peers ----
if ((${#peer_engines[@]})); then
  if [[ ! -d $PEERS ]]; then
    [[ -d ../shared/peers ]] || { echo "no peer scripts in $PEERS or ../shared/peers" >&2; exit 1; }
    cp -r ../shared/peers "$PEERS"
    chmod -R u+w "$PEERS"
  fi
  # run_peers.sh reads $WORK/hits_$ROWS.tsv and skips generating it when a
  # seed marker sits next to it.
  peer_work=$WORK/peers
  mkdir -p "$peer_work"
  # A hard link where possible: chDB's file() may reject a symbolic link
  # that leaves its folder.
  ln -f "$(realpath "$tsv")" "$peer_work/hits_$ROWS.tsv" 2>/dev/null ||
    ln -sf "$(realpath "$tsv")" "$peer_work/hits_$ROWS.tsv"
  touch "$peer_work/hits_$ROWS.tsv.seed20130701"
  (cd "$PEERS/hits" && ROWS=$ROWS REPEAT=$REPEAT WORK=$peer_work bash run_peers.sh "${peer_engines[@]}")
  for engine in "${peer_engines[@]}"; do
    cp "$PEERS/hits/results/$ROWS/$engine.json" "$results/$engine.json"
    cp "$PEERS/hits/results/$ROWS/${engine}_load.txt" "$results/${engine}_load.txt" 2>/dev/null || true
  done
fi

# ---- comparison ----
reports=()
for engine in furl "${peer_engines[@]}"; do
  [[ -f $results/$engine.json ]] && reports+=("$results/$engine.json")
done
status=0
python3 bench/clickbench/compare.py "${reports[@]}" > "$results/comparison.md" || status=$?
cat "$results/comparison.md"
echo "results: $results"
exit $status
