#!/usr/bin/env bash
# Copies the one header the GPU build needs besides LibTorch (nlohmann/json, from this
# machine's nlohmann-json3-dev) into build-gpu-include/, an ignored folder that travels with the
# working tree to a GPU machine that lacks it. bench/gpu/run.sh looks there by default.
set -euo pipefail
cd "$(dirname "$0")/../.."
header=/usr/include/nlohmann/json.hpp
if [ ! -f "$header" ]; then
  echo "stage_headers.sh: $header missing; install nlohmann-json3-dev (scripts/install-deps.sh)" >&2
  exit 1
fi
mkdir -p build-gpu-include/nlohmann
cp /usr/include/nlohmann/*.hpp build-gpu-include/nlohmann/
[ -d /usr/include/nlohmann/detail ] && cp -r /usr/include/nlohmann/detail build-gpu-include/nlohmann/
echo "stage_headers.sh: build-gpu-include/nlohmann ready"
