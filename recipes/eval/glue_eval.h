// `ptk-eval glue`: a BERT backbone fine-tuned on GLUE tasks with the standard sweep, written
// up as results.json + results.md (every run of the sweep, the best dev result per task, the
// GLUE average under both conventions) and the leaderboard files under submission/.
#pragma once

#include <string>

#include "recipes/eval/glue_eval_options.h"

namespace ptk::recipes {

// Runs and writes everything; returns the one-paragraph summary. Errors name file or key.
std::string run_glue_eval(const GlueEvalOptions& options);

}  // namespace ptk::recipes
