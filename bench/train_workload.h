// One training step (forward + backward + optimizer step) of a benchmark model on synthetic
// inputs, built from the toolkit's own models, losses, optimizers and precision handling, so
// bench/train_step_bench.cpp measures what ptk-wsl and ptk-bert run per step. Only LibTorch and
// the model / optimizer sources are needed (bench/gpu builds this against a CUDA LibTorch).
#pragma once

#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/train/precision.h"

namespace ptk::bench {

struct WorkloadSpec {
  // resnext50_32x4d | resnext101_32x8d | bert-base | wsl-demo | bert-demo
  std::string model;
  int64_t batch = 0;       // samples per step; 0 = default_batch()
  int64_t image_size = 0;  // vision: square input side; 0 = the model's default
  int64_t seq_length = 0;  // bert: tokens per sequence; 0 = the model's default
  bool dropout = true;     // false: dropout off (deterministic loss for correctness checks)
  uint64_t seed = 1;
};

// The benchmark models, in table order.
const std::vector<std::string>& workload_names();

// Fills in the defaults: batch sized for the device (small on CPU), 224 px / 128 tokens for the
// full-size models, the demo configs' 32 px / 64 tokens for the demo models. Unknown names are a
// ptk::usage_error listing the valid ones.
WorkloadSpec resolve_workload(WorkloadSpec spec, const c10::Device& device);

class TrainWorkload {
 public:
  TrainWorkload(const WorkloadSpec& spec, const c10::Device& device, train::Precision precision);
  ~TrainWorkload();
  TrainWorkload(const TrainWorkload&) = delete;
  TrainWorkload& operator=(const TrainWorkload&) = delete;

  // Runs one step on the same synthetic batch and returns its loss (this waits for the device).
  double step();

  // Model FLOPs of one training step per sample: 3x the forward pass's 2 * multiply-adds (the
  // usual MFU convention; attention scores included for BERT, BN/activations excluded).
  double flops_per_sample() const;
  // "img" or "seq": what a sample is called in the tables.
  const char* sample_unit() const;
  const WorkloadSpec& spec() const { return spec_; }

 private:
  struct State;
  WorkloadSpec spec_;
  std::unique_ptr<State> state_;
};

}  // namespace ptk::bench
