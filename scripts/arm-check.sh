#!/usr/bin/env bash
# Builds the inference engine for 64-bit Arm (layers base to model, with the NEON kernels) with
# Debian's cross compiler, and runs its tests under qemu-user twice: on an emulated Cortex-A72
# (NEON without the dot product: Raspberry Pi 4) and on qemu's "max" core (with it: the dotprod
# variant). Installs what it needs with apt the first time (arm64 as a dpkg foreign
# architecture, for the Arm builds of OpenSSL and GoogleTest). Exits non-zero on any failure.
#
#   scripts/arm-check.sh
#   ARM_BUILD_DIR=...   the cross build's folder (default build-arm)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${ARM_BUILD_DIR:-build-arm}

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

packages=(g++-aarch64-linux-gnu qemu-user libssl-dev:arm64 libgtest-dev:arm64 libgmock-dev:arm64)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "arm-check: installing ${missing[*]}"
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    "${sudo_cmd[@]}" dpkg --add-architecture arm64
  fi
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DSLIMLLM_ENGINE_ONLY=ON >/dev/null
# The log is kept, not shown: the static link warns on every program that getaddrinfo needs
# glibc's shared libraries at run time (the engine tests never resolve a name).
if ! cmake --build "$BUILD_DIR" -j"$(nproc)" >"$BUILD_DIR/build.log" 2>&1; then
  tail -n 40 "$BUILD_DIR/build.log" >&2
  echo "arm-check: the cross build failed (whole log: $BUILD_DIR/build.log)" >&2
  exit 1
fi

# Death tests are left out: they re-execute the test program, which qemu-user cannot do without
# binfmt, and the one there limits the address space of the emulator rather than the program's.
for cpu in cortex-a72 max; do
  echo "arm-check: tests on an emulated ${cpu} core"
  QEMU_CPU=$cpu ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)" --timeout 600 \
    --exclude-regex DeathTest
done
echo "arm-check: passed"
