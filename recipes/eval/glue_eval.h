// `ptk-eval glue`: a BERT backbone fine-tuned on GLUE tasks with the standard sweep, written
// up as results.json + results.md (every run of the sweep, the best dev result per task, the
// GLUE average under both conventions) and the leaderboard files under submission/.
#pragma once

#include <string>

#include "common/config/config.h"
#include "common/dist/job_ranks.h"
#include "text/glue/glue_eval_options.h"

namespace ptk::recipes {

// The glue verb's keys: text::glue::glue_eval_schema() and dist.timeout_s (eval_ranks.h).
config::Schema glue_schema();

// Runs and writes everything; returns the one-paragraph summary. Several ranks (torchrun,
// Slurm, MPI) share the sweep's runs and get the numbers of one process; rank 0 writes
// results.json / results.md, and the other ranks return "". Errors name file or key.
std::string run_glue_eval(const text::glue::GlueEvalOptions& options, const dist::JobRanks& ranks);

}  // namespace ptk::recipes
