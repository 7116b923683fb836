#!/usr/bin/env bash
# Health check for an Ollama-compatible server (slimllm or Ollama) using only curl, for hosts
# and images without the slimllm binary. Same checks, exit codes and summary as `slimllm health`:
#   1. API reachable      GET /api/version (falls back to GET /, "Ollama is running")
#   2. model available    POST /api/show
#   3. inference          POST /api/generate, stream false, a few tokens, within --max-seconds
# Exit codes: 0 healthy, 1 API unreachable, 2 model not available, 3 inference failed (also a
#             model the server cannot read), 4 slower than the limit, 64 bad usage.
#
#   deploy/scripts/health-check.sh [--url URL] [--model NAME] [--max-seconds N]
#
# Without --model (or $HEALTH_MODEL) only the API is checked. The default URL comes from
# $OLLAMA_HOST like the Ollama CLI reads it (0.0.0.0 means "this host"), else localhost:11434.
set -uo pipefail

usage() {
  sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
}

# host, :port, host:port or scheme://host:port[/path] → a URL curl can reach.
url_from_ollama_host() {
  local v=$1 scheme=http rest
  v=${v#\"} && v=${v%\"} && v=${v#\'} && v=${v%\'}
  if [[ $v == *://* ]]; then
    scheme=${v%%://*}
    rest=${v#*://}
  else
    rest=$v
  fi
  rest=${rest%/}
  local host=${rest%%/*} path=""
  [[ $rest == */* ]] && path=/${rest#*/}
  local port=""
  if [[ $host == \[*\]* ]]; then # [v6]:port
    [[ $host == *\]:* ]] && port=${host##*]:}
    host=${host%%]*}]
  elif [[ $host == *:* ]]; then
    port=${host##*:}
    host=${host%:*}
  fi
  [[ -z $host || $host == 0.0.0.0 ]] && host=127.0.0.1
  [[ $host == "[::]" ]] && host="[::1]"
  if [[ -z $port ]]; then
    if [[ $scheme == https ]]; then port=443; else port=11434; fi
  fi
  printf '%s://%s:%s%s\n' "$scheme" "$host" "$port" "$path"
}

url=""
model=${HEALTH_MODEL:-}
max_seconds=30
while [ $# -gt 0 ]; do
  case $1 in
    --url) url=${2:-}; shift 2 || { usage >&2; exit 64; } ;;
    --url=*) url=${1#*=}; shift ;;
    --model) model=${2:-}; shift 2 || { usage >&2; exit 64; } ;;
    --model=*) model=${1#*=}; shift ;;
    --max-seconds) max_seconds=${2:-}; shift 2 || { usage >&2; exit 64; } ;;
    --max-seconds=*) max_seconds=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "health-check: unknown argument '$1'" >&2; usage >&2; exit 64 ;;
  esac
done
if ! [[ $max_seconds =~ ^[0-9]+([.][0-9]+)?$ ]] || [[ $max_seconds =~ ^0+([.]0*)?$ ]]; then
  echo "health-check: --max-seconds must be a positive number, got '$max_seconds'" >&2
  exit 64
fi
if ! command -v curl >/dev/null; then
  echo "health-check: curl is required" >&2
  exit 64
fi
if [ -z "$url" ]; then
  url=$(url_from_ollama_host "${OLLAMA_HOST:-127.0.0.1:11434}")
fi
url=${url%/}

passed=0
failed=0
lines=()
pass() { lines+=("[PASS] $1"); passed=$((passed + 1)); }
fail() { lines+=("[FAIL] $1"); failed=$((failed + 1)); }
skip() { lines+=("[SKIP] $1"); }
finish() {
  echo "=== slimllm health: $url ==="
  printf '%s\n' "${lines[@]}"
  echo "Passed: $passed  Failed: $failed"
  if [ "$1" -eq 0 ]; then echo "HEALTH: OK"; else echo "HEALTH: FAIL"; fi
  exit "$1"
}

body=$(mktemp)
trap 'rm -f "$body"' EXIT

# Runs curl, leaving the body in $body; prints the HTTP status ("000" when nothing answered).
# Returns curl's exit code so callers can tell a time-out (28) from a refused connection.
request() {
  local max_time=$1
  shift
  curl -sS -o "$body" -w '%{http_code}' --connect-timeout 5 --max-time "$max_time" "$@" 2>/dev/null
}

json_string() { # first "key":"value" in $body
  sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\([^\"]*\)\".*/\1/p" "$body" | head -n 1
}
json_number() {
  sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p" "$body" | head -n 1
}
json_escape() { printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g'; }
now_ms() { date +%s%3N; }

# 1. API reachable.
status=$(request 10 "$url/api/version")
if [ "$status" = 200 ] && grep -q '"version"' "$body"; then
  pass "API reachable: $url (version $(json_string version))"
else
  status=$(request 10 "$url/")
  if [ "$status" = 200 ] && grep -q "Ollama is running" "$body"; then
    pass "API reachable: $url"
  else
    if [ "$status" = 000 ]; then
      fail "API reachable: no answer from $url"
    else
      fail "API reachable: $url answered HTTP $status"
    fi
    skip "model available: API unreachable"
    skip "inference: API unreachable"
    finish 1
  fi
fi

if [ -z "$model" ]; then
  skip "model available: no --model given"
  skip "inference: no --model given"
  finish 0
fi
model_json=$(json_escape "$model")

# 2. Model available. 404 (or 400 for a bad name) means the store has no such model; a 5xx means
# it is there but the server cannot read it, which counts as an inference failure (exit 3).
status=$(request 10 -H 'Content-Type: application/json' -d "{\"model\":\"$model_json\"}" "$url/api/show")
if [ "$status" = 200 ]; then
  pass "model available: $model"
elif [ "$status" = 000 ]; then
  fail "model available: no answer from $url/api/show"
  skip "inference: model check failed"
  finish 1
elif [[ $status == 5* ]]; then
  detail=$(json_string error)
  fail "model available: $model is in the store but unreadable (HTTP $status${detail:+: $detail})"
  skip "inference: the model cannot be loaded"
  finish 3
else
  detail=$(json_string error)
  fail "model available: $model (HTTP $status${detail:+: $detail})"
  skip "inference: model not available"
  finish 2
fi

# 3. A short generation within the limit. curl's own limit is the same, so a hung server ends
# as "slower than the limit" instead of blocking the probe.
request_json="{\"model\":\"$model_json\",\"prompt\":\"Say hello.\",\"stream\":false,\"options\":{\"num_predict\":8,\"temperature\":0}}"
start=$(now_ms)
status=$(request "$max_seconds" -H 'Content-Type: application/json' -d "$request_json" "$url/api/generate")
rc=$?
elapsed_ms=$(($(now_ms) - start))
elapsed=$(printf '%d.%02d' $((elapsed_ms / 1000)) $((elapsed_ms % 1000 / 10)))
if [ "$rc" -eq 28 ]; then
  fail "inference: no answer within ${max_seconds}s"
  finish 4
fi
if [ "$status" != 200 ]; then
  detail=$(json_string error)
  if [ "$status" = 000 ]; then
    fail "inference: connection failed (curl exit $rc)"
  else
    fail "inference: HTTP $status${detail:+: $detail}"
  fi
  finish 3
fi
# A top-level "error" key, not the word inside the generated text (which JSON escapes as \").
if grep -Eq '(^|[{,])[[:space:]]*"error"[[:space:]]*:' "$body"; then
  fail "inference: $(json_string error)"
  finish 3
fi
if ! grep -Eq '"done"[[:space:]]*:[[:space:]]*true' "$body" || ! grep -q '"response"' "$body"; then
  fail "inference: the answer is not a finished generation"
  finish 3
fi
tokens=$(json_number eval_count)
if awk -v e="$elapsed_ms" -v m="$max_seconds" 'BEGIN { exit !(e > m * 1000) }'; then
  fail "inference: ${tokens:-?} tokens in ${elapsed}s, slower than the ${max_seconds}s limit"
  finish 4
fi
pass "inference: ${tokens:-?} tokens in ${elapsed}s (limit ${max_seconds}s)"
finish 0
