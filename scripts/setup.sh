#!/usr/bin/env bash
# Sets up a Debian bookworm machine to build and test slimllm, then builds it (Release, into
# build/). Idempotent: a second run installs nothing and rebuilds only what changed.
#   ./scripts/setup.sh            packages + build
#   BUILD_DIR=... BUILD_TYPE=...  override the build folder and type
#   SETUP_NODE=0                  skip Node.js and the npm test clients (e.g. in a container build)
#   SETUP_BUILD=0                 install packages only, do not build
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
BUILD_TYPE=${BUILD_TYPE:-Release}

packages=(
  build-essential cmake pkg-config git ca-certificates curl
  clang libclang-rt-14-dev          # libFuzzer targets and sanitizer runtimes
  libcpp-httplib-dev                # HTTP server and client
  nlohmann-json3-dev                # JSON
  libcli11-dev                      # command line
  libpcre2-dev                      # tokenizer pre-split regexes (JIT)
  libssl-dev                        # SHA-256, TLS
  libboost1.81-dev                  # HTTP server layer (Boost.Beast/Asio, header-only)
  libcurl4-openssl-dev              # registry client
  libgtest-dev libgmock-dev         # unit tests
  libbenchmark-dev                  # micro-benchmarks
)

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js runs the real-client API tests (the npm 'ollama' package). Any Node >= 18 will do.
SETUP_NODE=${SETUP_NODE:-1}
if [ "$SETUP_NODE" = 1 ] && { ! command -v node >/dev/null || ! command -v npm >/dev/null; }; then
  missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages for tests that need a real client.
if [ "$SETUP_NODE" = 1 ] && [ -f tests/node/package.json ]; then
  if [ ! -d tests/node/node_modules ] || [ tests/node/package.json -nt tests/node/node_modules ]; then
    (cd tests/node && npm install --no-audit --no-fund --loglevel=error && touch node_modules)
  fi
fi

if [ "${SETUP_BUILD:-1}" = 0 ]; then
  echo "setup: packages installed (SETUP_BUILD=0: not building)"
  exit 0
fi

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE="$BUILD_TYPE" ${CMAKE_ARGS:-} >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
echo "setup: built $BUILD_DIR/slimllm"
