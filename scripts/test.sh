#!/usr/bin/env bash
# Install dependencies, build, and run every test with ctest.
#
# This is the command CI runs (.ci/run). A cold build and all tests take
# about 17 CPU-minutes, so about 10 minutes on an idle 2-core machine;
# reruns reuse ccache.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh
npm ci --no-audit --no-fund
bash scripts/build.sh

ctest_log=build/ctest.log
status=0
ctest --test-dir build --output-on-failure -j2 2>&1 | tee "$ctest_log" || status=$?

echo
echo "=== ctest summary"
grep -E '^[0-9]+% tests passed|^The following tests|^[[:space:]]+[0-9]+ - |^Total Test time' "$ctest_log" || true
exit "$status"
