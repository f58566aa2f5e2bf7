#include "recipes/eval/eval_ranks.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <string>

#include "common/base/error.h"
#include "common/dist/launch_env.h"
#include "common/dist/process_group.h"

namespace ptk::recipes {

config::Schema eval_ranks_schema() {
  config::Schema s;
  s.add("dist.timeout_s", 6 * 3600,
        "seconds a rank waits for the others under torchrun / Slurm / MPI (glue ranks wait for "
        "each other's fine-tuning runs)");
  return s;
}

EvalRanks join_eval_ranks(const config::Config& config) {
  const int64_t timeout_s = config.get_int("dist.timeout_s");
  if (timeout_s < 1) {
    throw UsageError("dist.timeout_s must be >= 1, got " + std::to_string(timeout_s));
  }
  const dist::LaunchEnv env = dist::resolve_launch_env({});
  EvalRanks ranks;
  ranks.local_rank = env.local_rank;
  if (!env.distributed()) {
    ranks.group = dist::ProcessGroup::single();
    return ranks;
  }
  spdlog::info("{}", dist::describe(env));
  // Gloo whatever the device: what travels between ranks is features and results on the CPU.
  ranks.group =
      dist::ProcessGroup::create(env, dist::BackendKind::kGloo, std::chrono::seconds(timeout_s));
  return ranks;
}

std::string device_for_rank(const std::string& device, const EvalRanks& ranks) {
  if (device != "cuda" || ranks.group->size() == 1) return device;
  return "cuda:" + std::to_string(ranks.local_rank);
}

}  // namespace ptk::recipes
