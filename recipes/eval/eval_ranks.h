// The processes of one ptk-eval run: a single one, or several started by torchrun / Slurm /
// MPI (the launcher variables of common/dist/launch_env.h) and joined over Gloo. The verbs
// split their work between ranks so that the numbers are those of one process: imagenet
// extracts features batch by batch on every rank and runs the protocols on rank 0; glue
// deals the runs of its learning-rate sweep out to the ranks.
#pragma once

#include <memory>
#include <string>

#include "common/config/config.h"

namespace ptk::dist {
class ProcessGroup;
}  // namespace ptk::dist

namespace ptk::recipes {

// dist.timeout_s: how long a rank waits for the others (a glue rank waits for their
// fine-tuning runs, so the default is long).
config::Schema eval_ranks_schema();

struct EvalRanks {
  std::shared_ptr<dist::ProcessGroup> group;
  int local_rank = 0;
};

// Joins the launcher's ranks over Gloo (a single-process group when there is no launcher).
EvalRanks join_eval_ranks(const config::Config& config);

// eval.device for this rank: "cuda" becomes "cuda:<local rank>" when there are several ranks,
// so that the ranks of a node spread over its GPUs as torchrun users expect.
std::string device_for_rank(const std::string& device, const EvalRanks& ranks);

}  // namespace ptk::recipes
