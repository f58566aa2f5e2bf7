// The training loop every recipe shares. The Trainer owns precision (bf16 autocast on CUDA),
// gradient accumulation, cross-rank gradient averaging, global-norm clipping, the LR schedule,
// the optimizer, NaN/inf step skipping, metrics, checkpoints, automatic resume and graceful stop
// on SIGTERM/SIGUSR1. Guarantees: N ranks with global batch B train the model one rank with
// batch B trains (up to float summation order), and a run resumed from a checkpoint continues
// exactly as the uninterrupted run (bitwise on CPU).
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/config/config.h"
#include "common/dist/launch_env.h"
#include "common/dist/process_group.h"
#include "common/train/task.h"
#include "common/train/train_options.h"

namespace ptk::train {

// What a process needs before it builds its Task: where it sits in the job, its device, and
// the process group it trains in.
struct TrainingSetup {
  dist::LaunchEnv env;
  c10::Device device = c10::Device(c10::kCPU);
  std::shared_ptr<dist::ProcessGroup> group;
};

// Prepares the process from a resolved trainer config: rank-aware logging (console +
// <run.dir>/train.log), intra-op threads (train.threads), the global seed (train.seed; call
// this BEFORE building the Task so model initialisation is reproducible), the launch env
// (dist.* flags, then torchrun / Slurm / MPI variables), the device (train.device; cuda:<local
// rank> when CUDA is used) and the process group (dist.backend, dist.timeout_s).
TrainingSetup setup_training(const config::Config& config);

struct TrainResult {
  int64_t start_step = 0;          // 0, or the step of the checkpoint the run resumed from
  int64_t final_step = 0;          // steps completed when fit() returned
  int64_t skipped_steps = 0;       // steps skipped for a non-finite loss (whole run, all attempts)
  bool stopped_by_signal = false;  // SIGTERM / SIGUSR1 ended the run early (after a checkpoint)
  std::string last_checkpoint;     // directory of the newest checkpoint, "" when none
  std::map<std::string, double> eval;  // the last evaluation's global means
};

class Trainer {
 public:
  // `config` must be resolved against a schema containing trainer_schema(); its values are
  // validated here (ptk::UsageError naming the key).
  Trainer(config::Config config, TrainingSetup setup);

  // Trains `task` for train.steps steps (or continues the run directory's checkpoint up to
  // them). Collective: every rank calls it. Throws ptk::Error on bad input, I/O failures,
  // more than train.max_bad_steps consecutive non-finite steps, or a distributed failure.
  TrainResult fit(Task& task);

 private:
  config::Config config_;
  TrainOptions options_;
  TrainingSetup setup_;
};

}  // namespace ptk::train
