#include "common/train/updater.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <cmath>
#include <utility>

#include "common/base/error.h"

namespace ptk::train {
namespace {

void add_metrics(std::map<std::string, dist::SumCount>& into,
                 const std::map<std::string, dist::SumCount>& from) {
  for (const auto& [key, value] : from) {
    into[key].sum += value.sum;
    into[key].count += value.count;
  }
}

Batch to_device(Batch batch, const c10::Device& device) {
  for (auto& [name, tensor] : batch.fields) {
    if (tensor.defined() && tensor.device() != device) {
      tensor = tensor.to(device, /*non_blocking=*/true);
    }
  }
  return batch;
}

// Global L2 norm of the gradients. After GradSync::finish() every rank holds the same averaged
// gradients, so every rank computes the same norm (and the same clipping factor).
double gradient_norm(const std::vector<at::Tensor>& parameters) {
  std::vector<at::Tensor> norms;
  for (const auto& parameter : parameters) {
    if (parameter.grad().defined())
      norms.push_back(parameter.grad().detach().norm(2).to(at::kDouble));
  }
  if (norms.empty()) return 0.0;
  return at::stack(norms).norm(2).item<double>();
}

void scale_gradients(const std::vector<at::Tensor>& parameters, double factor) {
  for (const auto& parameter : parameters) {
    if (parameter.grad().defined()) parameter.grad().mul_(factor);
  }
}

}  // namespace

Updater::Updater(Task& task, torch::optim::Optimizer& optimizer,
                 std::shared_ptr<dist::ProcessGroup> group, UpdateOptions options)
    : task_(task),
      optimizer_(optimizer),
      group_(std::move(group)),
      options_(options),
      parameters_(task.model().parameters(/*recurse=*/true)),
      buffers_(task.model().buffers(/*recurse=*/true)),
      grad_sync_(group_, parameters_, options.bucket_bytes) {
  for (const auto& buffer : buffers_) buffer_backup_.push_back(buffer.detach().clone());
}

UpdateResult Updater::update(BatchStream& stream) {
  optimizer_.zero_grad();
  // Forward passes update buffers (BatchNorm running statistics) even when the step is then
  // skipped; a non-finite batch would poison them for good, so they are restored.
  for (size_t i = 0; i < buffers_.size(); ++i) buffer_backup_[i].copy_(buffers_[i]);
  UpdateResult result;
  bool local_bad = false;
  backward_micro_batches(stream, result, local_bad);
  grad_sync_.finish();
  result.grad_norm = gradient_norm(parameters_);

  // Every rank takes the same decision, or their collectives would fall out of step.
  result.skipped = dist::any_rank(*group_, local_bad || !std::isfinite(result.grad_norm));
  if (result.skipped) {
    drop_step();
    return result;
  }
  if (options_.clip_norm > 0 && result.grad_norm > options_.clip_norm) {
    scale_gradients(parameters_, options_.clip_norm / (result.grad_norm + 1e-6));
  }
  optimizer_.step();
  return result;
}

void Updater::backward_micro_batches(BatchStream& stream, UpdateResult& result, bool& local_bad) {
  for (int64_t micro = 0; micro < options_.accumulation; ++micro) {
    Batch batch = to_device(stream.next(), options_.device);
    LossOutput output;
    {
      AutocastScope autocast(options_.precision, options_.device);
      output = task_.compute_loss(batch);
    }
    if (!output.loss.defined() || output.loss.numel() != 1) {
      throw error("Task::compute_loss must return a scalar loss (the micro-batch mean)");
    }
    const double loss_value = output.loss.detach().to(at::kDouble).item<double>();
    if (!std::isfinite(loss_value)) local_bad = true;
    // Each rank's micro-batch loss is a mean over micro_batch samples; dividing by the
    // accumulation count and GradSync's average over ranks make the gradient that of the
    // mean over the whole global batch.
    grad_sync_.set_sync_enabled(micro == options_.accumulation - 1);
    (output.loss / static_cast<double>(options_.accumulation)).backward();
    result.metrics["loss"].sum += loss_value * static_cast<double>(batch.size);
    result.metrics["loss"].count += static_cast<double>(batch.size);
    add_metrics(result.metrics, output.metrics);
  }
}

void Updater::drop_step() {
  for (const auto& parameter : parameters_) {
    if (parameter.grad().defined()) parameter.mutable_grad().zero_();
  }
  at::NoGradGuard no_grad;
  for (size_t i = 0; i < buffers_.size(); ++i) buffers_[i].copy_(buffer_backup_[i]);
}

}  // namespace ptk::train
