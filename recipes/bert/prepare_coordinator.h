// `ptk-bert prepare` on one rank of a job (torchrun, Slurm, MPI, or one plain process): joins the
// ranks over Gloo and runs the stages of the job (prepare.h) one after another, each as a
// ptk-bert-prepare child process (the process split: text/tokenizers/tokenizer_process.h). Between
// stages all ranks agree whether every rank's stage succeeded, so a failure on one rank stops
// every rank with an error instead of a hang; a killed job run again (or restarted by torchrun)
// resumes from the parts it had finished. A child dies with its coordinator (SIGKILL included).
#pragma once

#include "common/config/config.h"

namespace ptk::recipes {

// Runs the whole prepare for a recipe config resolved against the prepare keys. Returns 0;
// usage_error for bad keys (before joining the other ranks), Error naming the stage and rank
// when a stage fails.
int run_bert_prepare_job(const config::Config& config);

}  // namespace ptk::recipes
