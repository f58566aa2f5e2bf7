#include "common/train/lamb.h"

#include <cmath>
#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>
#include <torch/optim/serialize.h>
#include <torch/serialize/archive.h>

#include "common/base/error.h"
#include "common/base/number_text.h"
#include "common/train/optimizer_state.h"

namespace ptk::train {
namespace {

void validate(const LambOptions& options) {
  if (!(options.lr() >= 0.0)) {
    throw usage_error("lamb: learning rate must be >= 0, got {}", format_double(options.lr()));
  }
  if (!(options.eps() > 0.0)) {
    throw usage_error("lamb: eps must be > 0, got {}", format_double(options.eps()));
  }
  const auto [beta1, beta2] = options.betas();
  if (!(beta1 >= 0.0 && beta1 < 1.0) || !(beta2 >= 0.0 && beta2 < 1.0)) {
    throw usage_error("lamb: betas must be in [0, 1), got ({}, {})", format_double(beta1),
                      format_double(beta2));
  }
  if (!(options.weight_decay() >= 0.0)) {
    throw usage_error("lamb: weight_decay must be >= 0, got {}",
                      format_double(options.weight_decay()));
  }
}

}  // namespace

LambOptions::LambOptions(double lr) : lr_(lr) {}

void LambOptions::serialize(torch::serialize::OutputArchive& archive) const {
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(lr);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(betas);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(eps);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(weight_decay);
}

void LambOptions::serialize(torch::serialize::InputArchive& archive) {
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, lr);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(betas_t, betas);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, eps);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(double, weight_decay);
}

double LambOptions::get_lr() const { return lr(); }

void LambOptions::set_lr(const double lr) { this->lr(lr); }

void LambParamState::serialize(torch::serialize::OutputArchive& archive) const {
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(step);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(exp_avg);
  _TORCH_OPTIM_SERIALIZE_TORCH_ARG(exp_avg_sq);
}

void LambParamState::serialize(torch::serialize::InputArchive& archive) {
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(int64_t, step);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(at::Tensor, exp_avg);
  _TORCH_OPTIM_DESERIALIZE_TORCH_ARG(at::Tensor, exp_avg_sq);
}

Lamb::Lamb(std::vector<torch::optim::OptimizerParamGroup> param_groups, LambOptions defaults)
    : Optimizer(std::move(param_groups), std::make_unique<LambOptions>(defaults)) {
  validate(defaults);
  for (const auto& group : param_groups_) {
    validate(static_cast<const LambOptions&>(group.options()));
  }
}

Lamb::Lamb(std::vector<at::Tensor> params, LambOptions defaults)
    : Lamb(std::vector<torch::optim::OptimizerParamGroup>{torch::optim::OptimizerParamGroup(
               std::move(params))},
           defaults) {}

at::Tensor Lamb::step(LossClosure closure) {
  at::Tensor loss;
  if (closure != nullptr) {
    c10::AutoGradMode enable_grad(true);
    loss = closure();
  }
  c10::AutoGradMode no_grad(false);
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const LambOptions&>(group.options());
    const auto [beta1, beta2] = options.betas();
    for (auto& param : group.params()) {
      if (!param.grad().defined()) continue;
      const at::Tensor& grad = param.grad();
      if (grad.is_sparse()) {
        throw error("lamb: sparse gradients are not supported (parameter of shape {})",
                    c10::str(param.sizes()));
      }
      auto* existing = find_param_state<LambParamState>(state_, param);
      if (existing == nullptr) {
        auto fresh = std::make_unique<LambParamState>();
        fresh->exp_avg(at::zeros_like(param, at::MemoryFormat::Preserve));
        fresh->exp_avg_sq(at::zeros_like(param, at::MemoryFormat::Preserve));
        existing = &add_param_state(state_, param, std::move(fresh));
      }
      auto& state = *existing;
      state.step(state.step() + 1);
      at::Tensor& exp_avg = state.exp_avg();
      at::Tensor& exp_avg_sq = state.exp_avg_sq();
      exp_avg.mul_(beta1).add_(grad, 1.0 - beta1);
      exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);

      const double step = static_cast<double>(state.step());
      const double bias_correction1 = 1.0 - std::pow(beta1, step);
      const double bias_correction2 = 1.0 - std::pow(beta2, step);
      at::Tensor update = (exp_avg / bias_correction1) /
                          (exp_avg_sq / bias_correction2).sqrt_().add_(options.eps());
      if (options.weight_decay() != 0.0) update.add_(param, options.weight_decay());

      // The trust ratio stays a tensor: reading it back to the host would synchronise the
      // device once per parameter.
      const at::Tensor weight_norm = param.norm();
      const at::Tensor update_norm = update.norm();
      const at::Tensor trust_ratio =
          at::where(weight_norm.gt(0).logical_and(update_norm.gt(0)), weight_norm / update_norm,
                    at::ones_like(weight_norm));
      param.add_(update.mul_(trust_ratio), -options.lr());
    }
  }
  return loss;
}

void Lamb::save(torch::serialize::OutputArchive& archive) const {
  torch::optim::serialize<LambParamState, LambOptions>(archive, *this);
}

void Lamb::load(torch::serialize::InputArchive& archive) {
  torch::optim::serialize<LambParamState, LambOptions>(archive, *this);
}

}  // namespace ptk::train
