// The Task a recipe implements and hands to the Trainer: the model, the loss and metrics of a
// micro-batch, the training data as a deterministic stream of micro-batches, and an optional
// evaluation. The Trainer owns everything else (loop, precision, sync, checkpoints, resume).
// Data contract: the sample sequence is a pure function of (epoch, index in epoch), so a stream
// opened at any LoaderPosition continues exactly where an uninterrupted run would be.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/dist/reductions.h"
#include "common/io/state_dict.h"

namespace torch::nn {
class Module;
}  // namespace torch::nn

namespace ptk::train {

// Where the training data stands between two optimizer steps. Samples are counted globally
// (over all ranks), so a position means the same thing whatever the world size.
struct LoaderPosition {
  int64_t epoch = 0;
  int64_t samples_in_epoch = 0;
};

// The position after one more global batch of `global_batch` samples. Epochs drop their last
// partial global batch: when fewer than `global_batch` samples remain, the next batch starts
// the next epoch at sample 0. Requires 0 < global_batch <= samples_per_epoch.
LoaderPosition advance(LoaderPosition position, int64_t global_batch, int64_t samples_per_epoch);

// How a rank's stream is laid out. A global batch starting at sample p of its epoch is split
// into world_size * accumulation micro-batches of micro_batch samples; micro-step m of rank r
// reads samples [p + (m * world_size + r) * micro_batch, ... + micro_batch). The slices of all
// ranks and micro-steps are disjoint and cover the global batch, so N ranks consume exactly the
// samples one rank with the same global batch would.
struct StreamSpec {
  int rank = 0;
  int world_size = 1;
  int64_t global_batch = 1;
  int64_t accumulation = 1;
  int64_t micro_batch = 1;  // global_batch / (world_size * accumulation)
  int64_t samples_per_epoch = 1;
  LoaderPosition start;  // position of the first global batch the stream yields
  c10::Device device = c10::Device(c10::kCPU);  // where batches are wanted (a hint; the
                                                // Trainer moves tensors that are elsewhere)
};

// The samples one micro-batch covers: [first, first + count) of epoch `epoch`.
struct SampleSlice {
  int64_t epoch = 0;
  int64_t first = 0;
  int64_t count = 0;
};

// The slice of the `batch_index`-th global batch after spec.start, micro-step `micro_step`,
// for spec.rank. Implementations of BatchStream use it so every Task splits data the same way.
SampleSlice slice_for(const StreamSpec& spec, int64_t batch_index, int64_t micro_step);

// One micro-batch: named tensors with the sample dimension first.
struct Batch {
  std::map<std::string, at::Tensor> fields;  // e.g. "images", "labels"
  int64_t size = 0;                          // samples in the micro-batch

  // The field `name`; throws ptk::Error naming the missing field and those present.
  const at::Tensor& at(const std::string& name) const;
};

// A rank's training data: micro-batches in the order of StreamSpec (accumulation micro-steps
// of one global batch, then the next global batch), without end.
class BatchStream {
 public:
  virtual ~BatchStream() = default;
  virtual Batch next() = 0;
};

// What a micro-batch produced. `loss` is the MEAN over the micro-batch (a scalar with autograd
// history); `metrics` are sums and counts, so they reduce exactly across micro-batches and ranks
// (e.g. {"top1", {correct, samples}}).
struct LossOutput {
  at::Tensor loss;
  std::map<std::string, dist::SumCount> metrics;
};

// Who is evaluating: an evaluation splits its data over ranks and returns local sums and
// counts; the Trainer reduces them across ranks.
struct EvalContext {
  int rank = 0;
  int world_size = 1;
  int64_t step = 0;
  c10::Device device = c10::Device(c10::kCPU);
};

class Task {
 public:
  virtual ~Task() = default;

  // The model being trained. The Trainer moves it to its device, broadcasts rank 0's
  // parameters, and saves / restores it through its state dict.
  virtual torch::nn::Module& model() = 0;

  // Forward pass and loss of one micro-batch (already on the Trainer's device), in train mode.
  virtual LossOutput compute_loss(const Batch& batch) = 0;

  // Number of samples in one epoch (the same on every rank).
  virtual int64_t samples_per_epoch() const = 0;

  // Opens this rank's training stream as laid out by `spec`.
  virtual std::unique_ptr<BatchStream> open_train_stream(const StreamSpec& spec) = 0;

  // Called once after the Trainer moved model() to `device`, before the optimizer is built and
  // weights are imported or restored: the place for device-specific layouts (channels_last
  // convolutions on CUDA). The default does nothing.
  virtual void moved_to(const c10::Device& device) { (void)device; }

  // Weights from elsewhere (init.from) with their keys renamed to this model's, e.g. an HF
  // BertModel's "embeddings.*" to "bert.embeddings.*". The default keeps them as they are.
  virtual io::StateDict adapt_imported_weights(io::StateDict state) const { return state; }

  // Optional evaluation (called in eval mode under no-grad); empty when the task has none.
  virtual std::map<std::string, dist::SumCount> evaluate(const EvalContext& context) {
    (void)context;
    return {};
  }
};

}  // namespace ptk::train
