#!/usr/bin/env bash
# Installs every Debian package pretrainkit, its tests and its demos need.
# Idempotent: packages already installed are skipped. As root it runs apt-get; otherwise it
# prints the exact command to run.
set -euo pipefail

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

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
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
