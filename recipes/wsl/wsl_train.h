// `ptk-wsl train`: hashtag pretraining of a ResNeXt on a shard set from `ptk-wsl prepare`.
// The Trainer does everything generic (launch environment, DDP, SGD + Nesterov with the LR
// scaled to the global batch, warmup + decay, checkpoints, resume, signals); this unit builds
// the HashtagTask and reports the run.
#pragma once

#include "common/config/config.h"

namespace ptk::recipes {

// trainer_schema() + model.*, data.*, loss.* (hashtag_task_schema()).
config::Schema wsl_train_schema();

// Trains as configured; collective over all ranks of the launch. Returns the exit code.
int run_wsl_train(const config::Config& config);

}  // namespace ptk::recipes
