#!/usr/bin/env bash
# The reliability drills in full (docs/reliability.md): the malformed-request corpus, and the
# kill -9 drill with the create killed at ROUNDS points (default 20; CI runs 3).
#   ./scripts/reliability-drill.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-20}
cmake --build build --target test_reliability slimllm -j2
start=$(date +%s)
SLIMLLM_DRILL_ROUNDS=$rounds ./build/tests/reliability/test_reliability
echo "reliability-drill: $(($(date +%s) - start))s, create killed at $rounds points"
