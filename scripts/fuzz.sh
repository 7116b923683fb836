#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default 60), starting from
# the seed corpus in tests/fuzz/<target>/. A crash fails the run and leaves the input in build-fuzz/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSLIMLLM_FUZZ=ON \
  -DSLIMLLM_TESTS=OFF -DSLIMLLM_BENCH=OFF >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target fuzz_targets
for target in build-fuzz/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name=$(basename "$target")
  corpus=build-fuzz/corpus/$name
  mkdir -p "$corpus"
  seeds=tests/fuzz/${name#fuzz_}
  echo "fuzz: $name for ${seconds}s"
  log=build-fuzz/$name.log
  if ! (cd build-fuzz && "../$target" -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 \
    -print_final_stats=1 "corpus/$name" "../$seeds" >"../$log" 2>&1); then
    # The report, without libFuzzer's recommended dictionary; the input is in build-fuzz/crash-*.
    grep -v '^"' "$log" | tail -60 >&2
    echo "fuzz: $name failed (whole log: $log); reproduce with: (cd build-fuzz && ../$target crash-...)" >&2
    exit 1
  fi
  tail -5 "$log"
done
