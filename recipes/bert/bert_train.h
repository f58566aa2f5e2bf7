// `ptk-bert train`: masked-LM (+ NSP) pretraining of BERT on the shards of `ptk-bert prepare`,
// phase by phase (bert_phases.h). The Trainer does everything generic (launch environment,
// DDP, AdamW / LAMB, warmup + decay, checkpoints, resume, signals); this unit builds one
// BertTask per phase, hands phase k the final weights of phase k-1, and reports the run.
#pragma once

#include "common/config/config.h"

namespace ptk::recipes {

// trainer_schema() + model.*, data.*, masking.* (bert_task_schema()) + phases.*.
config::Schema bert_train_schema();

// Trains as configured; collective over all ranks of the launch. Returns the exit code.
int run_bert_train(const config::Config& config);

}  // namespace ptk::recipes
