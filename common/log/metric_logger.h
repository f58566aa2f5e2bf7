// MetricLogger: fans each metric write out to several sinks, so the training loop reports a step
// once. for_run() builds the standard set for a run directory on rank 0 and an empty logger on
// the other ranks (their writes cost nothing), so callers need no rank checks of their own.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/log/metric_sink.h"

namespace ptk::log {

class MetricLogger : public MetricSink {
 public:
  MetricLogger() = default;
  MetricLogger(MetricLogger&&) = default;
  MetricLogger& operator=(MetricLogger&&) = default;
  ~MetricLogger() override;

  // Rank 0: console line (with ETA against `total_steps`, <= 0 for unknown),
  // `<run_dir>/metrics.jsonl` (appended on resume) and `<run_dir>/tensorboard/`. Other ranks: no
  // sinks. Throws ptk::Error naming the path when an output cannot be created.
  static MetricLogger for_run(const std::string& run_dir, int rank, int64_t total_steps);

  void add_sink(std::unique_ptr<MetricSink> sink);
  size_t num_sinks() const { return sinks_.size(); }

  // Writes to every sink in the order they were added.
  void write(int64_t step, const Scalars& scalars) override;
  void flush() override;

 private:
  std::vector<std::unique_ptr<MetricSink>> sinks_;
};

}  // namespace ptk::log
