#!/usr/bin/env bash
# The README's test command: installs what is missing, configures, builds and runs the whole
# suite with ctest.
#   scripts/test.sh              full suite (unit, integration, python)
#   PTK_BUILD_DIR=dir            build directory (default: build)
#   PTK_SANITIZE=1               build and test under AddressSanitizer + UBSan (build-asan)
#   PTK_TEST_LABELS=regex        run only tests whose ctest labels match (e.g. unit)
#   PTK_JOBS=N                   parallel build jobs (default 2)
#   PTK_FUZZ=0                   skip the libFuzzer targets run after ctest (tests/fuzz/run.sh,
#                                clang + ASan/UBSan, PTK_FUZZ_SECONDS per target, default 15)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

jobs=${PTK_JOBS:-2}
cmake_args=(-G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo)
build_dir=${PTK_BUILD_DIR:-build}
if [ "${PTK_SANITIZE:-0}" = "1" ]; then
  build_dir=${PTK_BUILD_DIR:-build-asan}
  cmake_args+=(-DPTK_SANITIZE=ON)
  # LibTorch and OpenBLAS are not instrumented; only our own code is checked.
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:protect_shadow_gap=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
fi

if command -v ccache >/dev/null 2>&1; then
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
  # Relative paths in the cache key, and no build folder in it (debug info would otherwise
  # hash it), let clones and build folders elsewhere share compiled objects.
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
  ccache --max-size=5G >/dev/null 2>&1 || true
fi

start=$(date +%s)
cmake -S . -B "$build_dir" "${cmake_args[@]}"
cmake --build "$build_dir" -j "$jobs"
built=$(date +%s)
echo "test.sh: build took $((built - start)) s"

ctest_args=(--test-dir "$build_dir" --output-on-failure -j "$jobs")
if [ -n "${PTK_TEST_LABELS:-}" ]; then
  ctest_args+=(-L "$PTK_TEST_LABELS")
fi
ctest "${ctest_args[@]}"
echo "test.sh: tests took $(($(date +%s) - built)) s"

if [ "${PTK_FUZZ:-1}" != "0" ]; then
  PTK_JOBS=$jobs tests/fuzz/run.sh "${PTK_FUZZ_SECONDS:-15}"
fi
