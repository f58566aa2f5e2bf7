// The ranks of a job that is not training (a data preparation, an evaluation): the processes a
// launcher started (torchrun, Slurm, MPI; one plain process otherwise), joined over Gloo
// whatever the device, since what travels between them is small or lives on the CPU (counts,
// features, results). A stage runs on every rank, then all ranks learn whether all succeeded,
// so no rank waits forever for one that failed. Torch-free header: recipes include it without
// LibTorch. Collectives must be called in the same order on every rank.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace ptk::dist {

class ProcessGroup;

class JobRanks {
 public:
  // Joins the launcher's ranks (resolve_launch_env); `timeout` bounds every wait for the other
  // ranks, so it must exceed the longest stage. A single process needs no sockets.
  static JobRanks join(std::chrono::seconds timeout);

  int rank() const { return rank_; }
  int world() const { return world_; }
  int local_rank() const { return local_rank_; }
  int local_world() const { return local_world_; }
  // The Gloo group of all ranks (ProcessGroup::single() for one process), for collectives of
  // the caller's own (an evaluation gathers features and results through it).
  const std::shared_ptr<ProcessGroup>& group() const { return group_; }
  // `device` for this rank: "cuda" becomes "cuda:<local rank>" when there are several ranks, so
  // that the ranks of a node spread over its GPUs as torchrun users expect.
  std::string device_for_rank(const std::string& device) const;

  void barrier() const;
  // Runs `work`, then agrees across ranks: when it threw here, its error is rethrown; when it
  // threw on another rank only, an Error says that a rank failed during `stage` (that rank's
  // own error names the cause). Returns normally only when every rank succeeded.
  void run_stage(const std::string& stage, const std::function<void()>& work) const;
  // `text` as rank 0 holds it, on every rank.
  std::string broadcast_from_rank0(const std::string& text) const;

 private:
  std::shared_ptr<ProcessGroup> group_;
  int rank_ = 0;
  int world_ = 1;
  int local_rank_ = 0;
  int local_world_ = 1;
};

}  // namespace ptk::dist
