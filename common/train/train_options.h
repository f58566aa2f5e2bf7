// The options the Trainer reads: the train.*, checkpoint.*, run.* and dist.* config sections,
// declared once with defaults and help (trainer_schema) and read back validated into plain
// structs (train_options). No LibTorch here, so tools can list and check the keys cheaply.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/dist/launch_env.h"

namespace ptk::train {

struct TrainOptions {
  int64_t global_batch = 256;      // train.global_batch: samples per optimizer step, all ranks
  int64_t accumulation = 1;        // train.accumulation: micro-steps per optimizer step
  int64_t steps = 1000;            // train.steps: total optimizer steps of the run
  double clip_norm = 0.0;          // train.clip_norm: global gradient-norm clip, 0 = off
  int64_t max_bad_steps = 10;      // train.max_bad_steps: consecutive non-finite steps tolerated
  int64_t log_every = 10;          // train.log_every: steps between metric lines
  int64_t eval_every = 0;          // train.eval_every: steps between evaluations, 0 = end only
  int64_t threads = 0;             // train.threads: intra-op threads, 0 = LibTorch's default
  int64_t seed = 0;                // train.seed
  std::string device = "auto";     // train.device: auto | cpu | cuda
  std::string precision = "auto";  // train.precision: auto (bf16 on CUDA) | fp32 | bf16
  bool cudnn_benchmark = true;     // train.cudnn_benchmark: autotune convolutions on CUDA

  int64_t checkpoint_every = 1000;  // checkpoint.every: steps between checkpoints, 0 = end only
  int64_t checkpoint_keep = 3;      // checkpoint.keep: checkpoints kept, the newest ones
  bool resume = true;               // checkpoint.resume: continue from the run's checkpoint

  std::string init_from;                  // init.from: weights to start from ("" = fresh init)
  std::vector<std::string> init_exclude;  // init.exclude: key prefixes left at their init

  std::string run_dir = "runs/default";  // run.dir
  std::string log_level = "info";        // run.log_level

  std::string backend = "auto";  // dist.backend: gloo | nccl | auto (nccl on CUDA)
  int64_t timeout_s = 1800;      // dist.timeout_s
  int64_t bucket_mb = 25;        // dist.bucket_mb
  dist::LaunchFlags launch;      // dist.rank, dist.world_size, ... (-1 / "" = unset)
};

// train.*, checkpoint.*, run.*, dist.* merged with optimizer_schema() and schedule_schema().
config::Schema trainer_schema();

// Reads and validates the sections above; a bad value is a ptk::usage_error naming the key.
// (Divisibility of the global batch depends on the world size and is checked by the Trainer.)
TrainOptions train_options(const config::Config& config);

}  // namespace ptk::train
