#!/usr/bin/env bash
# Installs every Debian package pretrainkit, its tests and its demos need, then the npm packages
# of the node-label tests (tests/node: HF's JavaScript tokenizers, at the version its lock file
# pins). Idempotent: what is installed is skipped. As root it runs apt-get; otherwise it prints
# the exact command to run.
set -euo pipefail
cd "$(dirname "$0")/.."

# tests/node/node_modules from tests/node/package-lock.json (npm's registry), when missing.
install_node_packages() {
  if [ -d tests/node/node_modules/@huggingface/tokenizers ]; then
    return
  fi
  echo "install-deps: npm ci in tests/node"
  npm ci --prefix tests/node --no-audit --no-fund --silent
}

packages=(
  # build
  build-essential cmake ninja-build ccache pkg-config clang-format
  # fuzz targets (tests/fuzz): clang with libFuzzer and the sanitizer runtimes
  clang libclang-rt-14-dev
  # training core
  libtorch-dev libspdlog-dev libfmt-dev libyaml-cpp-dev libgtest-dev libgmock-dev
  # Debian's c10d headers (ProcessGroupGloo.hpp) include the gloo headers
  libgloo-dev
  # Debian's LibTorch calls the system libblas.so.3; without OpenBLAS that is the reference
  # BLAS, ~15x slower on BERT-sized matrix products.
  libopenblas0-pthread
  # data layer, vision and text
  libhdf5-dev libxxhash-dev libsentencepiece-dev libicu-dev libopencv-dev libturbojpeg0-dev
  libjpeg62-turbo-dev
  nlohmann-json3-dev zlib1g-dev
  # near-duplicate search of training images against evaluation images (ptk-wsl dedup)
  libfaiss-dev
  # python checks (torch.load, torchvision parity, h5py, sentencepiece, metrics) and launcher
  python3 python3-torch python3-torchvision python3-h5py python3-sentencepiece
  python3-sklearn python3-scipy python3-yaml python3-numpy
  # public data for tests and demos
  dataset-fashion-mnist wordnet-base dict-gcide
  # camera photographs that bench/image_load_bench cuts its ImageNet-sized JPEGs from
  mate-backgrounds
)
# node + npm for tests/node, unless a Node.js is installed some other way
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  install_node_packages
  exit 0
fi

cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages; run as root:"
  echo "  apt-get update && DEBIAN_FRONTEND=noninteractive ${cmd[*]}"
  exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
"${cmd[@]}"
install_node_packages
