#!/usr/bin/env bash
# Configure Furl with Ninja (RelWithDebInfo, ccache) and build every target.
#
#   bash scripts/build.sh              # into build/
#   BUILD_DIR=build-asan bash scripts/build.sh -DCMAKE_BUILD_TYPE=Debug
#
# Extra arguments go to the cmake configure step.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}

if [[ -f "$build_dir/CMakeCache.txt" ]] && ! grep -q '^CMAKE_GENERATOR:INTERNAL=Ninja$' "$build_dir/CMakeCache.txt"; then
  echo "build: $build_dir/ was configured with another generator; remove it and rerun" >&2
  exit 1
fi

launcher=()
if command -v ccache >/dev/null 2>&1; then
  # Paths relative to the checkout, so clones in other folders share hits.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" "$@"
cmake --build "$build_dir" -j"$(nproc)"

if command -v ccache >/dev/null 2>&1; then
  ccache --show-stats 2>/dev/null | grep -Ei '^ *(hits|misses|cache size)' || true
fi
