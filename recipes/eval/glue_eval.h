// `ptk-eval glue`: a BERT backbone fine-tuned on GLUE tasks with the standard sweep, written
// up as results.json + results.md (every run of the sweep, the best dev result per task, the
// GLUE average under both conventions) and the leaderboard files under submission/.
#pragma once

#include <string>

#include "common/config/config.h"
#include "recipes/eval/eval_ranks.h"
#include "recipes/eval/glue_eval_options.h"

namespace ptk::recipes {

// The glue verb's keys: glue_eval_schema() and dist.timeout_s.
config::Schema glue_schema();

// Runs and writes everything; returns the one-paragraph summary. Several ranks (torchrun,
// Slurm, MPI) share the sweep's runs and get the numbers of one process; rank 0 writes
// results.json / results.md, and the other ranks return "". Errors name file or key.
std::string run_glue_eval(const GlueEvalOptions& options, const EvalRanks& ranks);

}  // namespace ptk::recipes
