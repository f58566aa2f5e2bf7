#include "common/train/train_options.h"

#include "common/config/option_table.h"
#include "common/train/lr_schedule.h"
#include "common/train/optimizer.h"

namespace ptk::train {
namespace {

using config::at_least;
using config::nested;
using config::non_empty;
using config::one_of;
using dist::LaunchFlags;

config::OptionTable<TrainOptions> train_table() {
  using O = TrainOptions;
  config::OptionTable<O> t;
  t.add("train.global_batch", &O::global_batch, "samples per optimizer step, summed over all ranks",
        at_least(1))
      .add("train.accumulation", &O::accumulation,
           "micro-steps per optimizer step; micro-batch = global_batch / (world * accumulation)",
           at_least(1))
      .add("train.steps", &O::steps, "total optimizer steps of the run", at_least(0))
      .add("train.clip_norm", &O::clip_norm, "clip the global gradient norm to this value; 0 = off",
           at_least(0, "0 = off"))
      .add("train.max_bad_steps", &O::max_bad_steps,
           "consecutive steps with a non-finite loss that are skipped before the run stops",
           at_least(0))
      .add("train.log_every", &O::log_every, "steps between metric lines (console, metrics.jsonl)",
           at_least(1))
      .add("train.eval_every", &O::eval_every, "steps between evaluations; 0 = only at the end",
           at_least(0))
      .add("train.threads", &O::threads, "intra-op CPU threads; 0 = LibTorch's default",
           at_least(0))
      .add("train.seed", &O::seed, "seed of model initialisation and of per-sample randomness")
      .add("train.device", &O::device, "auto (cuda when available) | cpu | cuda",
           one_of({"auto", "cpu", "cuda"}))
      .add("train.precision", &O::precision,
           "auto (bf16 autocast on CUDA, fp32 on CPU) | fp32 | bf16",
           one_of({"auto", "fp32", "bf16"}))
      .add("train.cudnn_benchmark", &O::cudnn_benchmark,
           "CUDA: let cuDNN time its convolution algorithms once per shape and keep the fastest "
           "(false: deterministic algorithm choice, slower)")
      .add("checkpoint.every", &O::checkpoint_every,
           "steps between checkpoints; 0 = only at the end", at_least(0))
      .add("checkpoint.keep", &O::checkpoint_keep, "how many of the newest checkpoints are kept",
           at_least(1))
      .add("checkpoint.resume", &O::resume,
           "continue from the run directory's newest checkpoint; false = start over, deleting them")
      .add("init.from", &O::init_from,
           "weights to start from when there is no checkpoint to resume: a .pth / .pt state "
           "dict (torchvision, ptk-export), a .safetensors file, or an HF model folder")
      .add("init.exclude", &O::init_exclude,
           "key prefixes not taken from init.from (the model's fresh values are kept), e.g. "
           "[fc.] for a new head")
      .add("run.dir", &O::run_dir,
           "run directory: config.yaml, metrics.jsonl, train.log, checkpoints/", non_empty())
      .add("run.log_level", &O::log_level, "trace | debug | info | warn | error")
      .add("dist.backend", &O::backend, "gloo | nccl | auto (nccl on CUDA, gloo on CPU)",
           one_of({"auto", "gloo", "nccl"}))
      .add("dist.timeout_s", &O::timeout_s, "rendezvous and collective timeout in seconds",
           at_least(1))
      .add("dist.bucket_mb", &O::bucket_mb, "gradient all-reduce bucket size in MiB", at_least(1))
      .add("dist.rank", nested(&O::launch, &LaunchFlags::rank),
           "this process's rank; -1 = from the launcher's environment", at_least(-1))
      .add("dist.world_size", nested(&O::launch, &LaunchFlags::world_size),
           "number of ranks; -1 = from the launcher's environment", at_least(-1))
      .add("dist.local_rank", nested(&O::launch, &LaunchFlags::local_rank),
           "rank on this node; -1 = from the launcher's environment", at_least(-1))
      .add("dist.master_addr", nested(&O::launch, &LaunchFlags::master_addr),
           "rendezvous host; empty = MASTER_ADDR or 127.0.0.1")
      .add("dist.master_port", nested(&O::launch, &LaunchFlags::master_port),
           "rendezvous port; -1 = MASTER_PORT or 29500", at_least(-1));
  return t;
}

}  // namespace

config::Schema trainer_schema() {
  config::Schema schema = train_table().schema();
  schema.merge(optimizer_schema());
  schema.merge(schedule_schema());
  return schema;
}

TrainOptions train_options(const config::Config& config) { return train_table().read(config); }

}  // namespace ptk::train
