// ConsoleSink: one human-readable progress line per write, through spdlog's default logger at
// info level (so only rank 0 prints it by default, see logging.h):
//   step 1200/90000 | loss 2.3417 | lr 1.200e-03 | 2480.3 samples/s | eta 3:05:12 | top1 0.4123
// The ETA comes from the remaining steps and the step rate measured between writes.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "common/log/metric_sink.h"

namespace ptk::log {

// Formats a duration as h:mm:ss (hours are not wrapped at 24). Negative or non-finite input
// gives "?:??:??".
std::string format_eta(double seconds);

class ConsoleSink : public MetricSink {
 public:
  // `total_steps` <= 0 means unknown: no total and no ETA are shown.
  explicit ConsoleSink(int64_t total_steps = 0);

  void write(int64_t step, const Scalars& scalars) override;
  void flush() override;

  // The line write() prints, given the measured rate in steps per second (<= 0: unknown).
  // Scalars named loss, lr and samples_per_sec come first in fixed formats; others follow in
  // their given order.
  std::string format_line(int64_t step, const Scalars& scalars, double steps_per_second) const;

 private:
  using Clock = std::chrono::steady_clock;

  int64_t total_steps_;
  // The first write anchors the rate, so the rate covers the run since then and does not jump
  // around with one slow step (a checkpoint, an evaluation).
  std::optional<std::pair<int64_t, Clock::time_point>> first_;
};

}  // namespace ptk::log
