// MetricSink: where training scalars go (console, JSONL file, TensorBoard). A sink receives one
// write per logging step with named scalars in a stable order; sinks are not thread safe and are
// driven from one thread (rank 0's training loop).
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ptk::log {

// Named scalars of one step, in the order they should be shown.
using Scalars = std::vector<std::pair<std::string, double>>;

// Scalar names that sinks recognise and show specially (the console line puts them first).
inline constexpr const char* kLossKey = "loss";
inline constexpr const char* kLrKey = "lr";
inline constexpr const char* kSamplesPerSecondKey = "samples_per_sec";
// Seconds left, as the writer measured it (the console shows it as the ETA).
inline constexpr const char* kEtaSecondsKey = "eta_s";

class MetricSink {
 public:
  virtual ~MetricSink() = default;

  // Records `scalars` for training step `step`. Throws ptk::Error when the output cannot be
  // written (naming the file).
  virtual void write(int64_t step, const Scalars& scalars) = 0;

  // Pushes buffered output to its destination (before a checkpoint, at exit).
  virtual void flush() {}
};

}  // namespace ptk::log
