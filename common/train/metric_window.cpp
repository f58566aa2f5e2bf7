#include "common/train/metric_window.h"

namespace ptk::train {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

MetricWindow::MetricWindow(int64_t start_step, int64_t total_steps)
    : start_step_(start_step), total_steps_(total_steps) {}

void MetricWindow::add_step(const std::map<std::string, dist::SumCount>& metrics, int64_t samples) {
  for (const auto& [key, value] : metrics) {
    sums_[key].sum += value.sum;
    sums_[key].count += value.count;
  }
  samples_ += samples;
}

log::Scalars MetricWindow::close(dist::ProcessGroup& group, const CheckpointState& progress,
                                 double lr, double grad_norm) {
  // Every rank must offer the same keys, including on an all-skipped window.
  sums_["loss"];
  std::map<std::string, dist::SumCount> global = dist::reduce_sums(group, sums_);
  const double window_seconds = seconds_since(window_start_);
  const double run_seconds = seconds_since(run_start_);
  const double steps_per_second =
      run_seconds > 0 ? static_cast<double>(progress.step - start_step_) / run_seconds : 0.0;
  log::Scalars scalars;
  last_means_.clear();
  scalars.emplace_back(log::kLossKey, global["loss"].mean());
  for (const auto& [key, value] : global) {
    last_means_[key] = value.mean();
    if (key != "loss") scalars.emplace_back(key, value.mean());
  }
  scalars.emplace_back(log::kLrKey, lr);
  scalars.emplace_back("grad_norm", grad_norm);
  scalars.emplace_back(log::kSamplesPerSecondKey,
                       window_seconds > 0 ? static_cast<double>(samples_) / window_seconds : 0.0);
  scalars.emplace_back(log::kEtaSecondsKey,
                       steps_per_second > 0
                           ? static_cast<double>(total_steps_ - progress.step) / steps_per_second
                           : 0.0);
  scalars.emplace_back("epoch", static_cast<double>(progress.position.epoch));
  scalars.emplace_back("samples", static_cast<double>(progress.samples_consumed));
  scalars.emplace_back("skipped_steps", static_cast<double>(progress.skipped_steps));
  sums_.clear();
  samples_ = 0;
  window_start_ = Clock::now();
  return scalars;
}

}  // namespace ptk::train
