// The ranks of one ptk-eval run are a dist::JobRanks (common/dist/job_ranks.h): a single
// process, or several started by torchrun / Slurm / MPI and joined over Gloo. The verbs split
// their work between ranks so that the numbers are those of one process: imagenet extracts
// features batch by batch on every rank and runs the protocols on rank 0; glue deals the runs
// of its learning-rate sweep out to the ranks. Here: the option both verbs share.
#pragma once

#include <memory>
#include <string>

#include "common/config/config.h"
#include "common/dist/job_ranks.h"

namespace ptk::recipes {

// dist.timeout_s: how long a rank waits for the others (a glue rank waits for their
// fine-tuning runs, so the default is long).
config::Schema eval_ranks_schema();

// Joins the launcher's ranks with dist.timeout_s (a single process when there is no launcher).
dist::JobRanks join_eval_ranks(const config::Config& config);

}  // namespace ptk::recipes
