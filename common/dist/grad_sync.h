// Data-parallel gradient averaging: LibTorch has no C++ DDP, so this is ours. Gradients are
// packed into buckets (~bucket_bytes, reverse parameter order = the order backward produces
// them) whose all-reduce starts from a gradient hook as soon as the bucket is complete, so
// communication overlaps the rest of backward. After finish() every .grad() holds exactly the
// cross-rank average of the gradient accumulated locally since the last optimizer step.
// Not thread-safe: one GradSync per training loop; backward runs hooks on the calling thread
// on CPU and on autograd's device threads on GPU (all state touched there is guarded).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstddef>
#include <memory>
#include <vector>

#include "common/dist/process_group.h"

namespace ptk::dist {

class GradSync {
 public:
  // `parameters` in module order (e.g. module.parameters()); those not requiring grad are
  // ignored. All must be on one device and dtype per bucket (buckets split where they change).
  GradSync(std::shared_ptr<ProcessGroup> group, std::vector<at::Tensor> parameters,
           size_t bucket_bytes = 25u << 20);
  ~GradSync();
  GradSync(const GradSync&) = delete;
  GradSync& operator=(const GradSync&) = delete;

  // Call before the backward of each micro-step: true on the last micro-step of an optimizer
  // step (gradients are reduced), false on accumulation micro-steps (hooks do nothing and
  // gradients accumulate locally in .grad()).
  void set_sync_enabled(bool enabled);
  // Call after the backward of the synced micro-step, before clipping / optimizer step. Launches
  // buckets whose parameters got no gradient this step (treated as zero, so every rank issues
  // the same collectives), waits for all, and writes the averages into .grad(). No-op when the
  // last backward was not synced or the world has one rank.
  void finish();

  size_t num_buckets() const;
  // Buckets whose all-reduce has already started in the current synced step: right after a
  // backward in which every parameter got its gradient, all of them (communication overlapped
  // backward). Buckets start in index order, so a parameter that gets no gradient holds back
  // the buckets after its own until finish().
  size_t launched_buckets() const;

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace ptk::dist
