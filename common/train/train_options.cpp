#include "common/train/train_options.h"

#include "common/base/error.h"
#include "common/train/lr_schedule.h"
#include "common/train/optimizer.h"

namespace ptk::train {

config::Schema trainer_schema() {
  config::Schema schema;
  schema.add("train.global_batch", 256, "samples per optimizer step, summed over all ranks")
      .add("train.accumulation", 1,
           "micro-steps per optimizer step; micro-batch = global_batch / (world * accumulation)")
      .add("train.steps", 1000, "total optimizer steps of the run")
      .add("train.clip_norm", config::Value(0.0),
           "clip the global gradient norm to this value; 0 = off")
      .add("train.max_bad_steps", 10,
           "consecutive steps with a non-finite loss that are skipped before the run stops")
      .add("train.log_every", 10, "steps between metric lines (console, metrics.jsonl)")
      .add("train.eval_every", 0, "steps between evaluations; 0 = only at the end")
      .add("train.threads", 0, "intra-op CPU threads; 0 = LibTorch's default")
      .add("train.seed", 0, "seed of model initialisation and of per-sample randomness")
      .add("train.device", "auto", "auto (cuda when available) | cpu | cuda")
      .add("train.precision", "auto", "auto (bf16 autocast on CUDA, fp32 on CPU) | fp32 | bf16")
      .add("train.cudnn_benchmark", config::Value(true),
           "CUDA: let cuDNN time its convolution algorithms once per shape and keep the fastest "
           "(false: deterministic algorithm choice, slower)")
      .add("checkpoint.every", 1000, "steps between checkpoints; 0 = only at the end")
      .add("checkpoint.keep", 3, "how many of the newest checkpoints are kept")
      .add("checkpoint.resume", config::Value(true),
           "continue from the run directory's newest checkpoint; false = start over, deleting them")
      .add("init.from", "",
           "weights to start from when there is no checkpoint to resume: a .pth / .pt state "
           "dict (torchvision, ptk-export), a .safetensors file, or an HF model folder")
      .add("init.exclude", config::Value(std::vector<std::string>{}),
           "key prefixes not taken from init.from (the model's fresh values are kept), e.g. "
           "[fc.] for a new head")
      .add("run.dir", "runs/default",
           "run directory: config.yaml, metrics.jsonl, train.log, checkpoints/")
      .add("run.log_level", "info", "trace | debug | info | warn | error")
      .add("dist.backend", "auto", "gloo | nccl | auto (nccl on CUDA, gloo on CPU)")
      .add("dist.timeout_s", 1800, "rendezvous and collective timeout in seconds")
      .add("dist.bucket_mb", 25, "gradient all-reduce bucket size in MiB")
      .add("dist.rank", -1, "this process's rank; -1 = from the launcher's environment")
      .add("dist.world_size", -1, "number of ranks; -1 = from the launcher's environment")
      .add("dist.local_rank", -1, "rank on this node; -1 = from the launcher's environment")
      .add("dist.master_addr", "", "rendezvous host; empty = MASTER_ADDR or 127.0.0.1")
      .add("dist.master_port", -1, "rendezvous port; -1 = MASTER_PORT or 29500");
  schema.merge(optimizer_schema());
  schema.merge(schedule_schema());
  return schema;
}

namespace {

int64_t positive(const config::Config& config, const std::string& key, int64_t minimum) {
  int64_t value = config.get_int(key);
  if (value < minimum) {
    throw UsageError(key + " must be >= " + std::to_string(minimum) + ", got " +
                     std::to_string(value));
  }
  return value;
}

std::string one_of(const config::Config& config, const std::string& key,
                   std::initializer_list<const char*> allowed) {
  const std::string& value = config.get_string(key);
  std::string list;
  for (const char* option : allowed) {
    if (value == option) return value;
    list += (list.empty() ? "" : " | ") + std::string(option);
  }
  throw UsageError(key + " must be one of " + list + ", got '" + value + "'");
}

}  // namespace

TrainOptions train_options(const config::Config& config) {
  TrainOptions options;
  options.global_batch = positive(config, "train.global_batch", 1);
  options.accumulation = positive(config, "train.accumulation", 1);
  options.steps = positive(config, "train.steps", 0);
  options.clip_norm = config.get_float("train.clip_norm");
  if (!(options.clip_norm >= 0)) throw UsageError("train.clip_norm must be >= 0 (0 = off)");
  options.max_bad_steps = positive(config, "train.max_bad_steps", 0);
  options.log_every = positive(config, "train.log_every", 1);
  options.eval_every = positive(config, "train.eval_every", 0);
  options.threads = positive(config, "train.threads", 0);
  options.seed = config.get_int("train.seed");
  options.init_from = config.get_string("init.from");
  options.init_exclude = config.get_string_list("init.exclude");
  options.device = one_of(config, "train.device", {"auto", "cpu", "cuda"});
  options.precision = one_of(config, "train.precision", {"auto", "fp32", "bf16"});
  options.cudnn_benchmark = config.get_bool("train.cudnn_benchmark");
  options.checkpoint_every = positive(config, "checkpoint.every", 0);
  options.checkpoint_keep = positive(config, "checkpoint.keep", 1);
  options.resume = config.get_bool("checkpoint.resume");
  options.run_dir = config.get_string("run.dir");
  if (options.run_dir.empty()) throw UsageError("run.dir must not be empty");
  options.log_level = config.get_string("run.log_level");
  options.backend = one_of(config, "dist.backend", {"auto", "gloo", "nccl"});
  options.timeout_s = positive(config, "dist.timeout_s", 1);
  options.bucket_mb = positive(config, "dist.bucket_mb", 1);
  options.launch.rank = static_cast<int>(positive(config, "dist.rank", -1));
  options.launch.world_size = static_cast<int>(positive(config, "dist.world_size", -1));
  options.launch.local_rank = static_cast<int>(positive(config, "dist.local_rank", -1));
  options.launch.master_addr = config.get_string("dist.master_addr");
  options.launch.master_port = static_cast<int>(positive(config, "dist.master_port", -1));
  return options;
}

}  // namespace ptk::train
