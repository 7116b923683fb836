#!/usr/bin/env bash
# Tests deploy/scripts/health-check.sh against a fake Ollama server (fake_ollama.js) for every
# exit code and the summary block, then, when the slimllm binary has a `serve` command, against a
# real `slimllm serve` (and `slimllm health` alongside): a healthy model, an unknown model (2), a
# model whose blob is broken (3) and a stopped server (1); and that `slimllm health` prints
# exactly what the script prints against each fake server. The time limit (4) is tested against
# the fake server that never answers: a real server's speed is no fixed fact (the test model
# answers its 8 tokens in under a millisecond, within any limit one could set).
# Needs bash, curl and node. Prints 'N passed, M failed' and exits non-zero if any case failed.
#   tests/deploy/health_check_test.sh
#   SLIMLLM_BIN=path   the binary for the real-server cases (default build/slimllm)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
script="$here/../../deploy/scripts/health-check.sh"
work=$(mktemp -d)
server_pid=""

real_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$real_pid" ] && kill "$real_pid" 2>/dev/null && wait "$real_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

start_server() { # MODE → sets $port
  stop_server
  rm -f "$work/port"
  node "$here/fake_ollama.js" "$1" "$work/port" &
  server_pid=$!
  for _ in $(seq 1 100); do
    [ -s "$work/port" ] && break
    sleep 0.05
  done
  if [ ! -s "$work/port" ]; then
    echo "FATAL: the fake server did not start (mode $1)" >&2
    exit 1
  fi
  port=$(cat "$work/port")
}
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
}

passed=0
failed=0
# check NAME EXPECTED_EXIT EXPECTED_LINE... -- ARGS...
check() {
  local name=$1 want=$2
  shift 2
  local expect=()
  while [ "$1" != "--" ]; do
    expect+=("$1")
    shift
  done
  shift
  local out rc
  out=$("$script" "$@" 2>&1)
  rc=$?
  local problems=()
  [ "$rc" -eq "$want" ] || problems+=("exit code $rc, expected $want")
  local line
  for line in "${expect[@]}"; do
    grep -qF -- "$line" <<<"$out" || problems+=("missing line: $line")
  done
  if [ ${#problems[@]} -eq 0 ]; then
    echo "ok   $name"
    passed=$((passed + 1))
  else
    echo "FAIL $name"
    printf '       %s\n' "${problems[@]}"
    sed 's/^/       | /' <<<"$out"
    failed=$((failed + 1))
  fi
}

start_server ok
base="http://127.0.0.1:$port"
check "healthy: all three checks pass" 0 \
  "[PASS] API reachable: $base (version 0.13.5)" "[PASS] model available: tiny" \
  "[PASS] inference: 3 tokens in" "Passed: 3  Failed: 0" "HEALTH: OK" \
  -- --url "$base" --model tiny --max-seconds 10
check "healthy: API only without --model" 0 "[SKIP] model available: no --model given" \
  "Passed: 1  Failed: 0" "HEALTH: OK" -- --url "$base/"
OLLAMA_HOST="0.0.0.0:$port" check "URL from OLLAMA_HOST with 0.0.0.0" 0 \
  "[PASS] API reachable: http://127.0.0.1:$port" "HEALTH: OK" -- --model=tiny:latest --max-seconds=10
OLLAMA_HOST="http://localhost:$port/" check "URL from OLLAMA_HOST with a scheme" 0 \
  "[PASS] API reachable: http://localhost:$port" -- --max-seconds 5
HEALTH_MODEL=tiny check "model from HEALTH_MODEL" 0 "[PASS] model available: tiny" \
  -- --url "$base"
check "exit 2: unknown model" 2 "[FAIL] model available: nosuch:7b (HTTP 404: model 'nosuch:7b' not found)" \
  "[SKIP] inference: model not available" "Passed: 1  Failed: 1" "HEALTH: FAIL" \
  -- --url "$base" --model nosuch:7b
check "exit 64: bad --max-seconds" 64 "--max-seconds must be a positive number" \
  -- --url "$base" --max-seconds 0
check "exit 64: unknown option" 64 "unknown argument '--frobnicate'" -- --frobnicate

start_server noversion
check "Ollama without /api/version: GET / is enough" 0 \
  "[PASS] API reachable: http://127.0.0.1:$port" "HEALTH: OK" \
  -- --url "http://127.0.0.1:$port" --model tiny

start_server quoting
check "generated text that quotes JSON is still a success" 0 "[PASS] inference: 3 tokens in" "HEALTH: OK" \
  -- --url "http://127.0.0.1:$port" --model tiny

start_server broken
check "exit 3: generation answers 500" 3 \
  "[FAIL] inference: HTTP 500: llama runner process has terminated: exit status 2" \
  "Passed: 2  Failed: 1" "HEALTH: FAIL" -- --url "http://127.0.0.1:$port" --model tiny
start_server error200
check "exit 3: error object in a 200 answer" 3 "[FAIL] inference: model runner has unexpectedly stopped" \
  -- --url "http://127.0.0.1:$port" --model tiny
start_server truncated
check "exit 3: unfinished generation" 3 "[FAIL] inference: the answer is not a finished generation" \
  -- --url "http://127.0.0.1:$port" --model tiny

start_server unreadable
check "exit 3: the model is in the store but unreadable" 3 \
  "[FAIL] model available: tiny is in the store but unreadable (HTTP 500: invalid file magic)" \
  "[SKIP] inference: the model cannot be loaded" -- --url "http://127.0.0.1:$port" --model tiny

start_server hang
check "exit 4: no answer within the limit" 4 "[FAIL] inference: no answer within 1s" \
  "Passed: 2  Failed: 1" "HEALTH: FAIL" -- --url "http://127.0.0.1:$port" --model tiny --max-seconds 1

stop_server
check "exit 1: nothing listening" 1 "[FAIL] API reachable: no answer from http://127.0.0.1:$port" \
  "[SKIP] model available: API unreachable" "Passed: 0  Failed: 1" "HEALTH: FAIL" \
  -- --url "http://127.0.0.1:$port" --model tiny

# --- the real server ---------------------------------------------------------------------------
bin=${SLIMLLM_BIN:-$here/../../build/slimllm}
# check_binary NAME EXPECTED_EXIT ARGS...: `slimllm health` must exit like the script.
check_binary() {
  local name=$1 want=$2
  shift 2
  local out rc
  out=$("$bin" health "$@" 2>&1)
  rc=$?
  if [ "$rc" -eq "$want" ] && grep -q "HEALTH: " <<<"$out"; then
    echo "ok   slimllm health: $name"
    passed=$((passed + 1))
  else
    echo "FAIL slimllm health: $name (exit $rc, expected $want)"
    sed 's/^/       | /' <<<"$out"
    failed=$((failed + 1))
  fi
}
has_command() {
  local help
  help=$("$bin" --help 2>/dev/null)
  grep -Eq "^[[:space:]]+$1([[:space:],]|\$)" <<<"$help"
}
if [ ! -x "$bin" ] || ! has_command serve; then
  echo "skip real-server cases: $bin has no serve command yet"
else
  has_health=0
  has_command health && has_health=1
  start_server ok # only to find a free port
  real_port=$port
  stop_server
  real_url="http://127.0.0.1:$real_port"
  export OLLAMA_MODELS="$work/models"
  OLLAMA_HOST="127.0.0.1:$real_port" "$bin" serve >"$work/serve.log" 2>&1 &
  real_pid=$!
  for _ in $(seq 1 100); do
    [ "$(curl -s --max-time 1 "$real_url/" 2>/dev/null)" = "Ollama is running" ] && break
    sleep 0.1
  done
  gguf="$here/../data/models/stories260K.gguf"
  # Two models from the same GGUF; the second gets its own blob (a trailing byte changes the
  # digest), which is then cut short so that loading it fails.
  cp "$gguf" "$work/broken.gguf"
  printf '\0' >>"$work/broken.gguf"
  printf 'FROM %s\n' "$gguf" >"$work/Modelfile.good"
  printf 'FROM %s\n' "$work/broken.gguf" >"$work/Modelfile.broken"
  if ! OLLAMA_HOST="127.0.0.1:$real_port" "$bin" create stories -f "$work/Modelfile.good" >"$work/create.log" 2>&1 ||
    ! OLLAMA_HOST="127.0.0.1:$real_port" "$bin" create broken -f "$work/Modelfile.broken" >>"$work/create.log" 2>&1; then
    echo "FAIL real server: slimllm create failed"
    sed 's/^/       | /' "$work/create.log" "$work/serve.log" | tail -20
    failed=$((failed + 1))
  else
    blob=$(node -e '
      const fs = require("fs");
      const m = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      const layer = m.layers.find((l) => l.mediaType === "application/vnd.ollama.image.model");
      process.stdout.write(process.argv[2] + "/blobs/" + layer.digest.replace(":", "-"));' \
      "$OLLAMA_MODELS/manifests/registry.ollama.ai/library/broken/latest" "$OLLAMA_MODELS")
    truncate -s $(($(stat -c %s "$blob") / 2)) "$blob"
    check "real: healthy" 0 "[PASS] model available: stories" "HEALTH: OK" \
      -- --url "$real_url" --model stories --max-seconds 60
    check "real: exit 2, unknown model" 2 "[FAIL] model available: nosuch" -- --url "$real_url" --model nosuch
    check "real: exit 3, broken model" 3 "HEALTH: FAIL" -- --url "$real_url" --model broken --max-seconds 60
    if [ "$has_health" = 1 ]; then
      check_binary "exit 0, healthy" 0 --url "$real_url" --model stories --max-seconds 60
      check_binary "exit 2, unknown model" 2 --url "$real_url" --model nosuch
      check_binary "exit 3, broken model" 3 --url "$real_url" --model broken --max-seconds 60
    fi
  fi
  kill "$real_pid" 2>/dev/null
  wait "$real_pid" 2>/dev/null
  real_pid=""
  check "real: exit 1, server stopped" 1 "[FAIL] API reachable" -- --url "$real_url" --model stories
  [ "$has_health" = 1 ] && check_binary "exit 1, server stopped" 1 --url "$real_url" --model stories
fi

# `slimllm health` prints what the script prints (timings aside) against every fake server.
if [ "${has_health:-0}" = 1 ]; then
  normalize() { sed -E 's/[0-9]+\.[0-9]+s/N.NNs/g'; }
  for mode in ok noversion quoting broken error200 truncated unreadable hang; do
    start_server "$mode"
    args=(--url "http://127.0.0.1:$port" --model tiny --max-seconds 1)
    want=$("$script" "${args[@]}" 2>&1; echo "exit $?")
    got=$("$bin" health "${args[@]}" 2>&1; echo "exit $?")
    if [ "$(normalize <<<"$want")" = "$(normalize <<<"$got")" ]; then
      echo "ok   slimllm health prints what the script prints: $mode"
      passed=$((passed + 1))
    else
      echo "FAIL slimllm health prints what the script prints: $mode"
      diff <(echo "$want") <(echo "$got") | sed 's/^/       | /'
      failed=$((failed + 1))
    fi
  done
  stop_server
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
