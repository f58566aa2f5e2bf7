#include "common/dist/job_ranks.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <exception>

#include "common/base/error.h"
#include "common/dist/launch_env.h"
#include "common/dist/process_group.h"
#include "common/dist/reductions.h"

namespace ptk::dist {

JobRanks JobRanks::join(std::chrono::seconds timeout) {
  const LaunchEnv env = resolve_launch_env({});
  JobRanks ranks;
  ranks.rank_ = env.rank;
  ranks.world_ = env.world_size;
  ranks.local_rank_ = env.local_rank;
  ranks.local_world_ = env.local_world_size;
  if (!env.distributed()) {
    ranks.group_ = ProcessGroup::single();
    return ranks;
  }
  spdlog::info("{}", describe(env));
  ranks.group_ = ProcessGroup::create(env, BackendKind::kGloo, timeout);
  return ranks;
}

std::string JobRanks::device_for_rank(const std::string& device) const {
  if (device != "cuda" || world_ == 1) return device;
  return fmt::format("cuda:{}", local_rank_);
}

void JobRanks::barrier() const { group_->barrier(); }

void JobRanks::run_stage(const std::string& stage, const std::function<void()>& work) const {
  std::exception_ptr failure;
  try {
    work();
  } catch (...) {
    failure = std::current_exception();
  }
  const bool any_failed = world_ > 1 ? any_rank(*group_, failure != nullptr) : failure != nullptr;
  if (failure) std::rethrow_exception(failure);
  fail_if(any_failed, "another rank failed while {} (its log names the cause); rank {} stops too",
          stage, rank_);
}

std::string JobRanks::broadcast_from_rank0(const std::string& text) const {
  if (world_ == 1) return text;
  return broadcast_text(*group_, text, 0);
}

}  // namespace ptk::dist
