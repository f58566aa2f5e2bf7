#!/usr/bin/env bash
# The README's main command: builds pretrainkit and runs the demos on this machine's CPUs.
#   scripts/demo.sh [wsl|bert|glue|all]     (default: all = wsl, bert, glue)
#   wsl: Fashion-MNIST hashtag set (ptk-demo-data) -> ptk-wsl prepare -> ptk-wsl dedup against
#        the val images (reported, not applied) -> ptk-wsl train on 2 Gloo ranks under torchrun;
#        prints how loss and hashtag top-1 moved; then ptk-eval imagenet (linear probe + kNN on
#        the ImageNet-layout copy) of the pretrained backbone and of the same architecture at
#        random init, and prints the comparison.
#   bert: English corpus from WordNet glosses + GCIDE (ptk-demo-corpus) -> ptk-bert prepare ->
#         ptk-bert train (bert-tiny, MLM + NSP) on 2 Gloo ranks; prints MLM accuracy against the
#         most-frequent-token baseline.
#   glue: (after bert) demo GLUE tasks from WordNet (ptk-demo-glue, SST-2 and MRPC layouts) ->
#         ptk-eval glue of the bert demo backbone and of the same architecture at random init.
# Environment: PTK_JOBS (build jobs, default 2), PTK_PYTHON (a python3 with torch, for torchrun;
# default /usr/bin/python3), PTK_DEMO_DIR (data and runs, default demo-data).
set -euo pipefail
cd "$(dirname "$0")/.."

part=${1:-all}
case "$part" in
  wsl | bert | glue | all) ;;
  -h | --help)
    sed -n '2,15p' "$0"
    exit 0
    ;;
  *)
    echo "demo.sh: unknown part '$part' (wsl | bert | glue | all)" >&2
    exit 2
    ;;
esac

python=${PTK_PYTHON:-/usr/bin/python3}
demo_dir=${PTK_DEMO_DIR:-demo-data}

scripts/install-deps.sh
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
fi
cmake -G Ninja -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo

# Each part builds only the binaries it runs (the whole suite is scripts/test.sh's job).
build_targets() {
  cmake --build build -j "${PTK_JOBS:-2}" --target "$@"
}

# prepare_shards RECIPE CONFIG PREPARE_INPUT...: `ptk-RECIPE prepare` into <demo_dir>/RECIPE-shards.
prepare_shards() {
  local recipe=$1 config=$2
  shift 2
  echo "== $recipe: ptk-$recipe prepare"
  "build/ptk-$recipe" prepare --config "$config" "$@" prepare.out="$demo_dir/$recipe-shards"
}

# train_two_ranks RECIPE CONFIG PORT: `ptk-RECIPE train` from scratch on 2 Gloo ranks under
# torchrun, from <demo_dir>/RECIPE-shards into <demo_dir>/runs/RECIPE.
train_two_ranks() {
  local recipe=$1 config=$2 port=$3
  echo "== $recipe: ptk-$recipe train on 2 ranks (torchrun, Gloo)"
  rm -rf "$demo_dir/runs/$recipe"  # a fresh run; an existing run directory would be resumed
  "$python" -m torch.distributed.run --no_python --nproc_per_node 2 -r 1 -t 1 \
    --master_port "$port" \
    "build/ptk-$recipe" train --config "$config" prepare.out="$demo_dir/$recipe-shards" \
    run.dir="$demo_dir/runs/$recipe"
}

# Prints the first and last training windows and the evaluations of a run's metrics.jsonl.
report_run() {
  "$python" - "$1/metrics.jsonl" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
train = [l for l in lines if "loss" in l and "top1" in l]
evals = [l for l in lines if "eval/top1" in l]
def row(l):
    return "step %5d  loss %.3f  top1 %.3f  top5 %.3f" % (l["step"], l["loss"], l["top1"], l["top5"])
print("training (window means):")
print("  first  " + row(train[0]))
print("  last   " + row(train[-1]))
for l in evals:
    print("  eval   step %5d  loss %.3f  top1 %.3f  top5 %.3f" %
          (l["step"], l["eval/loss"], l["eval/top1"], l["eval/top5"]))
PY
}

demo_wsl() {
  local start=$SECONDS
  local config=recipes/wsl/configs/demo.yaml
  build_targets ptk-demo-data ptk-wsl ptk-eval
  echo "== wsl: demo hashtag set from Fashion-MNIST"
  build/ptk-demo-data demo.output_dir="$demo_dir" demo.train_images=12000 demo.val_images=2000
  prepare_shards wsl "$config" prepare.manifest="$demo_dir/hashtags/manifest.jsonl"
  echo "== wsl: ptk-wsl dedup: training images near-duplicate of the ImageNet-layout val copy"
  build/ptk-wsl dedup dedup.shards="$demo_dir/wsl-shards/train" \
    dedup.eval="[$demo_dir/imagenet/val]" dedup.out="$demo_dir/wsl-dedup"
  train_two_ranks wsl "$config" "${PTK_MASTER_PORT:-29541}"
  report_run "$demo_dir/runs/wsl"
  echo "== wsl: ptk-eval imagenet: linear probe + kNN, pretrained backbone vs random init"
  local eval_config=recipes/eval/configs/demo.yaml
  rm -rf "$demo_dir/runs/eval-pretrained" "$demo_dir/runs/eval-random"
  build/ptk-eval imagenet --config "$eval_config" eval.checkpoint="$demo_dir/runs/wsl" \
    eval.data="$demo_dir/imagenet" eval.out="$demo_dir/runs/eval-pretrained"
  build/ptk-eval imagenet --config "$eval_config" eval.checkpoint="$demo_dir/runs/wsl" \
    eval.init=random eval.data="$demo_dir/imagenet" eval.out="$demo_dir/runs/eval-random"
  report_eval "$demo_dir/runs/eval-pretrained" "$demo_dir/runs/eval-random"
  echo "== wsl: done in $((SECONDS - start)) s; checkpoints in $demo_dir/runs/wsl/checkpoints"
}

# Prints the pretrained-vs-random-init table of two ptk-eval imagenet results.json files.
report_eval() {
  "$python" - "$1/results.json" "$2/results.json" <<'PY'
import json, sys
pre, rnd = (json.load(open(p)) for p in sys.argv[1:3])
print("ImageNet-layout Fashion-MNIST (%d train / %d val images), %s, top-1 / top-5 (%%):" %
      (pre["train_images"], pre["val_images"], pre["backbone"]["arch"]))
print("  %-8s %-18s %-18s %s" % ("protocol", "pretrained", "random init", "top-1 gain"))
for a, b in zip(pre["results"], rnd["results"]):
    print("  %-8s %6.2f / %6.2f    %6.2f / %6.2f    %+.2f" % (
        a["protocol"], 100 * a["top1"], 100 * a["top5"], 100 * b["top1"], 100 * b["top5"],
        100 * (a["top1"] - b["top1"])))
PY
}

# Prints the bert run's first and last training windows of each phase and the baseline.
report_bert() {
  "$python" - "$1" "$2" <<'PY'
import glob, json, re, sys
baseline = re.search(r"baseline: ([0-9.]+) \('([^']*)'", open(sys.argv[2]).read())
print("most-frequent-token MLM baseline: %s (%s)" % (baseline.group(1), baseline.group(2)))
for path in sorted(glob.glob(sys.argv[1] + "/phase*/metrics.jsonl")):
    lines = [json.loads(l) for l in open(path) if l.strip()]
    train = [l for l in lines if "mlm_acc" in l]
    def row(l):
        return "step %5d  loss %.3f  mlm_acc %.3f  nsp_acc %.3f" % (
            l["step"], l["loss"], l["mlm_acc"], l.get("nsp_acc", float("nan")))
    print(path.split("/")[-2] + " (window means):")
    print("  first  " + row(train[0]))
    print("  last   " + row(train[-1]))
PY
}

demo_bert() {
  local start=$SECONDS
  local config=recipes/bert/configs/demo.yaml
  build_targets ptk-demo-corpus ptk-bert ptk-bert-prepare
  echo "== bert: demo English corpus from WordNet glosses and GCIDE"
  build/ptk-demo-corpus demo.output_dir="$demo_dir/text" demo.corpus_kb=4096
  prepare_shards bert "$config" prepare.inputs="[$demo_dir/text/corpus.txt]"
  train_two_ranks bert "$config" "${PTK_MASTER_PORT:-29542}"
  report_bert "$demo_dir/runs/bert" "$demo_dir/bert-shards/summary.txt"
  echo "== bert: done in $((SECONDS - start)) s; checkpoints in $demo_dir/runs/bert/phase*/checkpoints"
}

demo_glue() {
  local start=$SECONDS
  local config=recipes/eval/configs/glue_demo.yaml
  if [ ! -d "$demo_dir/runs/bert/phase1/checkpoints" ]; then
    echo "demo.sh: glue needs the bert demo's checkpoint; run scripts/demo.sh bert first" >&2
    exit 2
  fi
  build_targets ptk-demo-glue ptk-eval ptk-tokenize
  echo "== glue: demo GLUE tasks from WordNet (SST-2 and MRPC layouts)"
  build/ptk-demo-glue demo.output_dir="$demo_dir/glue"
  for init in checkpoint random; do
    echo "== glue: ptk-eval glue, eval.init=$init"
    build/ptk-eval glue --config "$config" eval.checkpoint="$demo_dir/runs/bert/phase1" \
      glue.data="$demo_dir/glue" eval.init=$init eval.out="$demo_dir/runs/glue-$init"
  done
  for init in checkpoint random; do
    echo "-- eval.init=$init"
    sed -n '/^| task/,/^$/p' "$demo_dir/runs/glue-$init/results.md"
  done
  echo "== glue: done in $((SECONDS - start)) s; results in $demo_dir/runs/glue-{checkpoint,random}"
}

case "$part" in
  wsl) demo_wsl ;;
  bert) demo_bert ;;
  glue) demo_glue ;;
  all)
    demo_wsl
    demo_bert
    demo_glue
    ;;
esac
