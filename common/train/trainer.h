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
#include "common/train/lr_schedule.h"
#include "common/train/optimizer.h"
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

// A process training on its own, without a launcher or a run configuration: `device`, a
// single-rank group, nothing else touched (the fine-tuning protocols of the evaluation harness
// train this way, possibly several models one after another in one process).
TrainingSetup single_process_setup(const c10::Device& device);

// Everything the Trainer reads: its own options, the optimizer's and the schedule's, and the
// resolved config it records in the run directory and in checkpoints.
struct TrainerSettings {
  TrainOptions train;
  OptimizerOptions optimizer;
  ScheduleOptions schedule;
  std::string config_yaml;
};

// The settings of a config resolved against a schema containing trainer_schema(); a bad value
// is a ptk::usage_error naming the key.
TrainerSettings trainer_settings(const config::Config& config);

// The settings of a short run kept in memory (no run directory, checkpoints or resume), as the
// evaluation harness's fine-tuning protocols train: `epochs` passes of full global batches of
// min(batch, samples) over `samples` samples, one metric line an epoch (so TrainResult::train
// holds the last epoch's means), the schedule spanning the run. The caller picks the optimizer
// and the schedule's shape.
TrainerSettings in_memory_run_settings(int64_t batch, int64_t samples, int64_t epochs,
                                       int64_t seed);

struct TrainResult {
  int64_t start_step = 0;          // 0, or the step of the checkpoint the run resumed from
  int64_t final_step = 0;          // steps completed when fit() returned
  int64_t skipped_steps = 0;       // steps skipped for a non-finite loss (whole run, all attempts)
  bool stopped_by_signal = false;  // SIGTERM / SIGUSR1 ended the run early (after a checkpoint)
  std::string last_checkpoint;     // directory of the newest checkpoint, "" when none
  std::map<std::string, double> eval;  // the last evaluation's global means
  // The global means of the last logged window's training metrics ("loss" and the task's).
  std::map<std::string, double> train;
};

class Trainer {
 public:
  // `config` must be resolved against a schema containing trainer_schema(); its values are
  // validated here (ptk::usage_error naming the key).
  Trainer(const config::Config& config, TrainingSetup setup);

  // From settings built in code. An empty train.run_dir trains without a run directory: no
  // files, no checkpoints, no resume, metric lines on the console only (then checkpoint_every
  // must be 0).
  Trainer(TrainerSettings settings, TrainingSetup setup);

  // Trains `task` for train.steps steps (or continues the run directory's checkpoint up to
  // them). Collective: every rank calls it. Throws ptk::Error on bad input, I/O failures,
  // more than train.max_bad_steps consecutive non-finite steps, or a distributed failure.
  TrainResult fit(Task& task);

 private:
  TrainerSettings settings_;
  TrainingSetup setup_;
};

}  // namespace ptk::train
