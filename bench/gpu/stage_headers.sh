#!/usr/bin/env bash
# Copies the header-only libraries the GPU build needs besides LibTorch (nlohmann/json, from
# this machine's nlohmann-json3-dev, and fmt, from libfmt-dev, which common/base/error.h formats
# messages with and run.sh compiles header-only) into build-gpu-include/, an ignored folder that
# travels with the working tree to a GPU machine that lacks them. bench/gpu/run.sh looks there by
# default. The sources in bench/gpu/sources.txt need no other library's headers (no spdlog or
# yaml-cpp); one that does must be staged here too.
set -euo pipefail
cd "$(dirname "$0")/../.."
for needed in nlohmann/json.hpp:nlohmann-json3-dev fmt/format.h:libfmt-dev; do
  header=/usr/include/${needed%%:*}
  if [ ! -f "$header" ]; then
    echo "stage_headers.sh: $header missing; install ${needed##*:} (scripts/install-deps.sh)" >&2
    exit 1
  fi
done
# Whole folders: json.hpp includes detail/ and thirdparty/hedley/ too, format.h its siblings, and
# a copy of only some of one would quietly fall back to a system copy here but fail on the GPU
# machine.
mkdir -p build-gpu-include
for library in nlohmann fmt; do
  rm -rf "build-gpu-include/$library"
  cp -r "/usr/include/$library" build-gpu-include/
done
echo "stage_headers.sh: build-gpu-include/nlohmann and build-gpu-include/fmt ready"
