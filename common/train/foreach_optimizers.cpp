#include "common/train/foreach_optimizers.h"

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <ATen/ATen.h>
#include <c10/core/GradMode.h>

#include "common/base/error.h"
#include "common/train/optimizer_state.h"

namespace ptk::train {
namespace {

// Runs the closure (if any) with gradients on, as LibTorch's optimizers do.
at::Tensor evaluate(const torch::optim::Optimizer::LossClosure& closure) {
  if (closure == nullptr) return {};
  c10::AutoGradMode enable_grad(true);
  return closure();
}

const at::Tensor& dense_grad(const at::Tensor& param, const char* optimizer) {
  const at::Tensor& grad = param.grad();
  if (grad.is_sparse()) {
    throw error("{}: sparse gradients are not supported (parameter of shape {})", optimizer,
                c10::str(param.sizes()));
  }
  return grad;
}

}  // namespace

at::Tensor ForeachSgd::step(LossClosure closure) {
  at::Tensor loss = evaluate(closure);
  c10::AutoGradMode no_grad(false);
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::SGDOptions&>(group.options());
    const double momentum = options.momentum();
    if (options.nesterov() && (momentum <= 0.0 || options.dampening() != 0.0)) {
      throw error("sgd: Nesterov momentum needs momentum > 0 and no dampening");
    }
    std::vector<at::Tensor> params;
    std::vector<at::Tensor> grads;
    for (auto& param : group.params()) {
      if (!param.grad().defined()) continue;
      grads.push_back(dense_grad(param, "sgd"));
      params.push_back(param);
    }
    if (params.empty()) continue;

    // d_p = grad + weight_decay * p, a new tensor: the gradient itself stays as it was.
    std::vector<at::Tensor> steps = options.weight_decay() != 0.0
                                        ? at::_foreach_add(grads, params, options.weight_decay())
                                        : grads;
    if (momentum != 0.0) {
      // A parameter's first step starts its buffer as a copy of d_p; later steps decay it.
      std::vector<at::Tensor> buffers;
      std::vector<at::Tensor> running;
      std::vector<at::Tensor> running_steps;
      for (size_t i = 0; i < params.size(); ++i) {
        auto* state = find_param_state<torch::optim::SGDParamState>(state_, params[i]);
        if (state == nullptr) {
          auto fresh = std::make_unique<torch::optim::SGDParamState>();
          fresh->momentum_buffer(steps[i].clone().detach());
          state = &add_param_state(state_, params[i], std::move(fresh));
        } else {
          running.push_back(state->momentum_buffer());
          running_steps.push_back(steps[i]);
        }
        buffers.push_back(state->momentum_buffer());
      }
      if (!running.empty()) {
        at::_foreach_mul_(running, momentum);
        at::_foreach_add_(running, running_steps, 1.0 - options.dampening());
      }
      steps = options.nesterov() ? at::_foreach_add(steps, buffers, momentum) : buffers;
    }
    at::_foreach_add_(params, steps, -1 * options.lr());
  }
  return loss;
}

at::Tensor ForeachAdamW::step(LossClosure closure) {
  for (const auto& group : param_groups_) {
    if (static_cast<const torch::optim::AdamWOptions&>(group.options()).amsgrad()) {
      return torch::optim::AdamW::step(closure);  // never configured here; kept correct
    }
  }
  at::Tensor loss = evaluate(closure);
  c10::AutoGradMode no_grad(false);
  for (auto& group : param_groups_) {
    const auto& options = static_cast<const torch::optim::AdamWOptions&>(group.options());
    const auto [beta1, beta2] = options.betas();
    std::vector<at::Tensor> params;
    std::vector<at::Tensor> grads;
    std::vector<at::Tensor> exp_avgs;
    std::vector<at::Tensor> exp_avg_sqs;
    // Per parameter, as step counts may differ (a parameter without a gradient skips a step).
    std::vector<at::Scalar> bias_correction2_roots;
    std::vector<at::Scalar> negative_step_sizes;
    for (auto& param : group.params()) {
      if (!param.grad().defined()) continue;
      grads.push_back(dense_grad(param, "adamw"));
      params.push_back(param);
      auto* state = find_param_state<torch::optim::AdamWParamState>(state_, param);
      if (state == nullptr) {
        auto fresh = std::make_unique<torch::optim::AdamWParamState>();
        fresh->step(0);
        fresh->exp_avg(at::zeros_like(param, at::MemoryFormat::Preserve));
        fresh->exp_avg_sq(at::zeros_like(param, at::MemoryFormat::Preserve));
        state = &add_param_state(state_, param, std::move(fresh));
      }
      state->step(state->step() + 1);
      exp_avgs.push_back(state->exp_avg());
      exp_avg_sqs.push_back(state->exp_avg_sq());
      const double step = static_cast<double>(state->step());
      const double bias_correction1 = 1.0 - std::pow(beta1, step);
      const double bias_correction2 = 1.0 - std::pow(beta2, step);
      bias_correction2_roots.emplace_back(std::sqrt(bias_correction2));
      negative_step_sizes.emplace_back(-(options.lr() / bias_correction1));
    }
    if (params.empty()) continue;

    // Decoupled weight decay first, then the moments, then p -= lr/bc1 * m / (sqrt(v/bc2)+eps),
    // in LibTorch's order of operations.
    if (options.weight_decay() != 0.0) {
      at::_foreach_mul_(params, 1.0 - options.lr() * options.weight_decay());
    }
    at::_foreach_mul_(exp_avgs, beta1);
    at::_foreach_add_(exp_avgs, grads, 1.0 - beta1);
    at::_foreach_mul_(exp_avg_sqs, beta2);
    at::_foreach_addcmul_(exp_avg_sqs, grads, grads, 1.0 - beta2);
    std::vector<at::Tensor> denominators = at::_foreach_sqrt(exp_avg_sqs);
    at::_foreach_div_(denominators, bias_correction2_roots);
    at::_foreach_add_(denominators, options.eps());
    at::_foreach_addcdiv_(params, exp_avgs, denominators, negative_step_sizes);
  }
  return loss;
}

}  // namespace ptk::train
