#!/usr/bin/env bash
# The GPU benchmark, in one go on a machine with an NVIDIA GPU and a CUDA PyTorch 2.x:
#   1. builds bench/train_step_bench from the sources in bench/gpu/sources.txt against the
#      LibTorch inside that PyTorch (plain g++, all cores; the training step needs LibTorch,
#      nlohmann/json's header and fmt's headers, nothing else);
#   2. checks correctness: 3 steps of the demo models with dropout off on CUDA (fp32 and bf16)
#      against the same binary on the CPU;
#   3. times resnext101_32x8d (img/s) and bert-base at sequence 128 (seq/s), bf16 autocast,
#      next to the same models in Python PyTorch eager (torchvision; transformers'
#      BertForPreTraining when installed, else torch.nn.TransformerEncoder), alternating runs,
#      with model FLOP utilisation against the card's dense bf16 peak.
#
#   bench/gpu/run.sh                 (from the repository root)
# Environment: PTK_PYTHON (python with CUDA torch; default python3), PTK_GPU_INCLUDE (a folder
# holding nlohmann/json.hpp and fmt/ when the system has none; default build-gpu-include, which
# bench/gpu/stage_headers.sh fills from this machine's /usr/include), PTK_PEAK_TFLOPS (dense bf16
# peak, when the card is not one this script knows), PTK_GPU_BUILD (default build-gpu),
# PTK_GPU_RUNS (default 3).
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS
python=${PTK_PYTHON:-python3}
out=${PTK_GPU_BUILD:-build-gpu}
include=${PTK_GPU_INCLUDE:-build-gpu-include}
runs=${PTK_GPU_RUNS:-3}
mkdir -p "$out"

# LibTorch's location and C++ ABI come from the wheel itself.
read -r torch_dir abi torch_version cuda_version < <("$python" -c '
import os, torch
print(os.path.dirname(torch.__file__), int(torch._C._GLIBCXX_USE_CXX11_ABI), torch.__version__,
      torch.version.cuda)')
if [ "$cuda_version" = "None" ]; then
  echo "run.sh: $python's torch $torch_version has no CUDA" >&2
  exit 1
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
card=$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)
peak=${PTK_PEAK_TFLOPS:-}
if [ -z "$peak" ]; then
  case "$card" in  # dense bf16 tensor-core peaks from NVIDIA's data sheets
    *H200* | *H100*SXM* | *H100\ 80GB\ HBM3*) peak=989.4 ;;
    *H100*PCIe* | *H100*) peak=756 ;;
    *A100*) peak=312 ;;
    *) echo "run.sh: unknown card '$card'; set PTK_PEAK_TFLOPS" >&2; exit 1 ;;
  esac
fi
echo "== torch $torch_version (CUDA $cuda_version, C++11 ABI $abi) at $torch_dir; $card, peak $peak TFLOPS bf16"

# 1. Build: every translation unit in parallel, then one link. --no-as-needed keeps
# libtorch_cuda linked although no symbol of ours names it: it registers the CUDA kernels.
# The translation units come from bench/gpu/sources.txt, which a unit test keeps equal to what
# the CMake build's link of train_step_bench uses (a hand-kept list here once drifted and only
# failed at the link on a GPU machine). Besides LibTorch they include nothing but nlohmann/json
# (text/models/bert_config.cpp) and fmt (common/base/error.h formats messages with it), both
# staged by stage_headers.sh; fmt is compiled header-only (FMT_HEADER_ONLY), so no libfmt is
# linked. No spdlog or yaml-cpp, which a machine with only a PyTorch wheel lacks; a file added to
# the list that needs one must have it staged by stage_headers.sh.
mapfile -t sources < <(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' \
  bench/gpu/sources.txt)
if [ "${#sources[@]}" -eq 0 ]; then
  echo "run.sh: bench/gpu/sources.txt lists no sources" >&2
  exit 1
fi
flags=(-std=c++17 -O2 -DNDEBUG -fPIC -D_GLIBCXX_USE_CXX11_ABI="$abi" -DFMT_HEADER_ONLY -I.
  -I"$include" -isystem "$torch_dir/include" -isystem "$torch_dir/include/torch/csrc/api/include"
  -DPTK_PYTHON="\"$python\"" -DPTK_SOURCE_DIR="\"$PWD\"")
# The link takes exactly these objects, not $out/*.o, so that one left in $out by an earlier
# list cannot slip in.
pids=()
objects=()
for source in "${sources[@]}"; do
  object="$out/$(echo "$source" | tr / _).o"
  g++ "${flags[@]}" -c "$source" -o "$object" &
  pids+=($!)
  objects+=("$object")
done
for pid in "${pids[@]}"; do wait "$pid"; done
g++ -o "$out/train_step_bench" "${objects[@]}" -L"$torch_dir/lib" -Wl,-rpath,"$torch_dir/lib" \
  -Wl,--no-as-needed -ltorch_cuda -lc10_cuda -Wl,--as-needed -ltorch -ltorch_cpu -lc10 -lpthread
echo "== built in $((SECONDS - start)) s"
bench=$out/train_step_bench

# 2. Correctness: the CUDA losses follow the CPU's (TF32 convolutions and bf16 round, so the
# tolerance is relative and loose for bf16).
"$bench" --check 3 --models wsl-demo,bert-demo --device cpu --precision fp32 >"$out/check-cpu.jsonl"
"$bench" --check 3 --models wsl-demo,bert-demo --device cuda --precision fp32 >"$out/check-fp32.jsonl"
"$bench" --check 3 --models wsl-demo,bert-demo --device cuda --precision bf16 >"$out/check-bf16.jsonl"
"$python" - "$out" <<'PY'
import json, sys
out = sys.argv[1]
load = lambda name: {r["model"]: r["losses"] for r in map(json.loads, open(f"{out}/{name}"))}
cpu, failed = load("check-cpu.jsonl"), False
for name, tolerance in [("check-fp32.jsonl", 0.01), ("check-bf16.jsonl", 0.05)]:
    for model, losses in load(name).items():
        worst = max(abs(a - b) / max(abs(b), 1e-6) for a, b in zip(losses, cpu[model]))
        ok = worst <= tolerance
        failed |= not ok
        print(f"check {model} {name[6:-6]}: cuda {losses} cpu {cpu[model]} "
              f"max rel diff {worst:.2e} (<= {tolerance}) {'ok' if ok else 'FAILED'}")
sys.exit(1 if failed else 0)
PY

# 3. Throughput next to Python PyTorch eager.
"$bench" --device cuda --precision bf16 --models resnext101_32x8d,bert-base --runs "$runs" \
  --steps 20 --warmup 10 --peak-tflops "$peak" | tee "$out/throughput.md"
echo "== run.sh done in $((SECONDS - start)) s"
