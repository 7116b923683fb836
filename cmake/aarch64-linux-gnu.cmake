# Cross build for 64-bit Arm Linux with Debian's cross compiler (g++-aarch64-linux-gnu) and its
# multiarch libraries (libssl-dev:arm64, libgtest-dev:arm64, ...). Tests run under qemu-user:
# QEMU_CPU picks the emulated core (cortex-a72: NEON only; max: NEON with the dot product).
#   cmake -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake -DSLIMLLM_ENGINE_ONLY=ON
# scripts/arm-check.sh does all of it.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
# Static programs: Debian 12's qemu-user (7.2) hangs when a dynamically linked program starts a
# thread; static ones run.
set(CMAKE_EXE_LINKER_FLAGS_INIT -static)
# Arm libraries from /usr/lib/aarch64-linux-gnu; header-only packages (nlohmann-json, CLI11) and
# their CMake files are shared with the host.
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE BOTH)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE BOTH)
# pkg-config (FindOpenSSL asks it) must describe the Arm libraries, not the host's.
set(ENV{PKG_CONFIG_LIBDIR} /usr/lib/aarch64-linux-gnu/pkgconfig:/usr/share/pkgconfig)
set(OPENSSL_USE_STATIC_LIBS TRUE)
