// The training metrics between two log lines: each rank adds its steps' sums and counts, and
// closing the window reduces them across ranks into the line's scalars (loss, the task's
// metrics, lr, grad_norm, throughput, ETA, epoch, samples, skipped steps).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "common/dist/reductions.h"
#include "common/log/metric_sink.h"
#include "common/train/checkpoint.h"

namespace ptk::dist {
class ProcessGroup;
}  // namespace ptk::dist

namespace ptk::train {

class MetricWindow {
 public:
  // `start_step`: the step the run (or this attempt, after a resume) started from, for the ETA
  // over `total_steps`.
  MetricWindow(int64_t start_step, int64_t total_steps);

  // One optimizer step of `samples` samples (all ranks); `metrics` are this rank's sums and
  // counts, empty for a skipped step.
  void add_step(const std::map<std::string, dist::SumCount>& metrics, int64_t samples);

  // Collective: reduces the window across ranks, returns the log line's scalars for the state
  // after `progress.step`, and starts the next window. Also keeps the global means of the
  // window's metrics (loss and the task's) for last_means().
  log::Scalars close(dist::ProcessGroup& group, const CheckpointState& progress, double lr,
                     double grad_norm);

  // The global means of the last closed window's metrics ("loss" and the task's).
  const std::map<std::string, double>& last_means() const { return last_means_; }

 private:
  using Clock = std::chrono::steady_clock;
  int64_t start_step_;
  int64_t total_steps_;
  Clock::time_point run_start_ = Clock::now();
  Clock::time_point window_start_ = Clock::now();
  std::map<std::string, dist::SumCount> sums_;
  int64_t samples_ = 0;
  std::map<std::string, double> last_means_;
};

}  // namespace ptk::train
