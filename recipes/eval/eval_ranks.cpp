#include "recipes/eval/eval_ranks.h"

#include <chrono>
#include <cstdint>

#include "common/config/option_table.h"

namespace ptk::recipes {

namespace {

struct EvalRankOptions {
  int64_t timeout_s = 6 * 3600;
};

config::OptionTable<EvalRankOptions> eval_ranks_table() {
  config::OptionTable<EvalRankOptions> t;
  t.add("dist.timeout_s", &EvalRankOptions::timeout_s,
        "seconds a rank waits for the others under torchrun / Slurm / MPI (glue ranks wait for "
        "each other's fine-tuning runs)",
        config::at_least(1));
  return t;
}

}  // namespace

config::Schema eval_ranks_schema() { return eval_ranks_table().schema(); }

dist::JobRanks join_eval_ranks(const config::Config& config) {
  const EvalRankOptions options = eval_ranks_table().read(config);
  return dist::JobRanks::join(std::chrono::seconds(options.timeout_s));
}

}  // namespace ptk::recipes
