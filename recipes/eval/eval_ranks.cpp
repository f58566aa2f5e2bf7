#include "recipes/eval/eval_ranks.h"

#include <chrono>
#include <string>

#include "common/base/error.h"

namespace ptk::recipes {

config::Schema eval_ranks_schema() {
  config::Schema s;
  s.add("dist.timeout_s", 6 * 3600,
        "seconds a rank waits for the others under torchrun / Slurm / MPI (glue ranks wait for "
        "each other's fine-tuning runs)");
  return s;
}

dist::JobRanks join_eval_ranks(const config::Config& config) {
  const int64_t timeout_s = config.get_int("dist.timeout_s");
  if (timeout_s < 1) {
    throw usage_error("dist.timeout_s must be >= 1, got " + std::to_string(timeout_s));
  }
  return dist::JobRanks::join(std::chrono::seconds(timeout_s));
}

}  // namespace ptk::recipes
