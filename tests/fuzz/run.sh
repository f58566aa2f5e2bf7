#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, AddressSanitizer + UBSan) and runs each for a bounded
# time on a scratch copy of its seed corpus; exits non-zero when any target finds a crash, a
# sanitizer report, a hang or a violated property, naming the target and the saved input.
#   tests/fuzz/run.sh [SECONDS_PER_TARGET]   default 20, or PTK_FUZZ_SECONDS
#   PTK_FUZZ_TARGETS="config tokenizer"      only these targets (names without _fuzzer)
#   PTK_FUZZ_BUILD_DIR=dir                   build directory (default: build-fuzz)
#   PTK_FUZZ_WORK_DIR=dir                    where corpora grow and crash inputs land
#                                            (default: a new directory under $TMPDIR)
#   PTK_JOBS=N                               parallel build jobs (default 2)
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${1:-${PTK_FUZZ_SECONDS:-20}}
build_dir=${PTK_FUZZ_BUILD_DIR:-build-fuzz}
targets=(${PTK_FUZZ_TARGETS:-safetensors shard_validation manifest config hashtag_normalizer
  glue_reader tokenizer sentencepiece_model})

if command -v ccache >/dev/null 2>&1; then
  export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
  export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
fi
for tool in clang clang++; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "fuzz: $tool not found (scripts/install-deps.sh installs it)" >&2
    exit 1
  fi
done

start=$(date +%s)
cmake -S tests/fuzz -B "$build_dir" -G Ninja -DCMAKE_C_COMPILER=clang \
  -DCMAKE_CXX_COMPILER=clang++ >/dev/null
cmake --build "$build_dir" -j "${PTK_JOBS:-2}" --target "${targets[@]/%/_fuzzer}"
built=$(date +%s)
echo "fuzz: build took $((built - start)) s"

work=${PTK_FUZZ_WORK_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/ptk-fuzz-run-XXXXXX")}
mkdir -p "$work"
# Leak checking stays on (libFuzzer reports an input that leaks); test.sh's PTK_SANITIZE
# settings, when exported, are kept.
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
for target in "${targets[@]}"; do
  corpus="$work/$target/corpus"
  artifacts="$work/$target/crashes"
  scratch="$work/$target/tmp"  # the target's scratch files (it cannot remove them itself)
  mkdir -p "$corpus" "$artifacts" "$scratch"
  cp -r "tests/fuzz/corpus/$target/." "$corpus/"
  log="$work/$target/fuzz.log"
  echo "fuzz: $target for ${seconds} s"
  if TMPDIR="$scratch" "$build_dir/${target}_fuzzer" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" \
    >"$log" 2>&1; then
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "fuzz: $target ok: ${runs:-?} runs, ${speed:-?} exec/s, corpus $(ls "$corpus" | wc -l) inputs"
  else
    failed+=("$target")
    echo "fuzz: $target FAILED; the input that broke it:" >&2
    ls -1 "$artifacts"/* >&2 2>/dev/null || echo "  (none saved)" >&2
    echo "fuzz: last lines of $log:" >&2
    tail -n 40 "$log" >&2
  fi
done
echo "fuzz: build and runs took $(($(date +%s) - start)) s"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failing targets: ${failed[*]}; corpora, logs and inputs kept in $work" >&2
  echo "fuzz: reproduce with $build_dir/<target>_fuzzer <input>" >&2
  exit 1
fi
# A clean run keeps nothing unless asked to (PTK_FUZZ_WORK_DIR).
if [ -z "${PTK_FUZZ_WORK_DIR:-}" ]; then rm -rf "$work"; fi
