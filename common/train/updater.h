// One optimizer step of the training loop: the accumulation micro-batches' forward passes under
// autocast and their backward passes, the gradient average across ranks, the global-norm clip and
// the optimizer step. When any rank saw a non-finite loss or gradient no rank steps: the
// gradients are dropped and the buffers (BatchNorm running statistics) restored, so a bad batch
// leaves no trace in the model.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/dist/grad_sync.h"
#include "common/dist/reductions.h"
#include "common/train/precision.h"
#include "common/train/task.h"

namespace torch::optim {
class Optimizer;
}  // namespace torch::optim

namespace ptk::train {

struct UpdateOptions {
  int64_t accumulation = 1;  // micro-batches per optimizer step
  double clip_norm = 0.0;    // global gradient-norm clip, 0 = off
  size_t bucket_bytes = 25u << 20;
  Precision precision = Precision::kFp32;
  c10::Device device = c10::Device(c10::kCPU);
};

struct UpdateResult {
  bool skipped = false;    // a non-finite loss or gradient on some rank: no step was taken
  double grad_norm = 0.0;  // global norm before clipping (the same on every rank)
  // "loss" (weighted by micro-batch size) and the task's metrics, local sums and counts.
  std::map<std::string, dist::SumCount> metrics;
};

class Updater {
 public:
  // `optimizer` must hold `task.model()`'s parameters; the Updater keeps a reference to it.
  Updater(Task& task, torch::optim::Optimizer& optimizer, std::shared_ptr<dist::ProcessGroup> group,
          UpdateOptions options);

  // Reads `accumulation` micro-batches from `stream` and takes one optimizer step (or skips it,
  // see above). Collective: every rank calls it once per step. The learning rate is the
  // optimizer's current one.
  UpdateResult update(BatchStream& stream);

 private:
  void backward_micro_batches(BatchStream& stream, UpdateResult& result, bool& local_bad);
  void drop_step();

  Task& task_;
  torch::optim::Optimizer& optimizer_;
  std::shared_ptr<dist::ProcessGroup> group_;
  UpdateOptions options_;
  std::vector<at::Tensor> parameters_;
  std::vector<at::Tensor> buffers_;
  std::vector<at::Tensor> buffer_backup_;
  dist::GradSync grad_sync_;
};

}  // namespace ptk::train
