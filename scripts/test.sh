#!/usr/bin/env bash
# Runs the whole test suite against the build made by setup.sh.
#   ./scripts/setup.sh && ./scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" ${CTEST_ARGS:-}
