#!/usr/bin/env bash
# Copies the one header-only library the GPU build needs besides LibTorch (nlohmann/json, from
# this machine's nlohmann-json3-dev) into build-gpu-include/, an ignored folder that travels with
# the working tree to a GPU machine that lacks it. bench/gpu/run.sh looks there by default.
# The sources in bench/gpu/sources.txt need no other library's headers (no spdlog, fmt or
# yaml-cpp); one that does must be staged here too.
set -euo pipefail
cd "$(dirname "$0")/../.."
header=/usr/include/nlohmann/json.hpp
if [ ! -f "$header" ]; then
  echo "stage_headers.sh: $header missing; install nlohmann-json3-dev (scripts/install-deps.sh)" >&2
  exit 1
fi
# The whole folder: json.hpp includes detail/ and thirdparty/hedley/ too, and a copy of only some
# of it would quietly fall back to a system copy here but fail on the GPU machine.
mkdir -p build-gpu-include
rm -rf build-gpu-include/nlohmann
cp -r /usr/include/nlohmann build-gpu-include/
echo "stage_headers.sh: build-gpu-include/nlohmann ready"
