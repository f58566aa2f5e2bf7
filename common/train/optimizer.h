// Optimizers for the trainer: SGD (+Nesterov), AdamW (both with multi-tensor steps, see
// foreach_optimizers.h) and LAMB built from named parameters in two
// param groups (weight decay / no weight decay, chosen by name pattern), plus the optim.* config
// section with the linear LR scaling rule. Optimizer state saves and loads through
// torch::save / torch::load, so a resumed run continues bitwise as the uninterrupted one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/optim/optimizer.h>

#include "common/config/config.h"

namespace ptk::train {

struct OptimizerOptions {
  std::string name = "sgd";  // "sgd" | "adamw" | "lamb"
  double lr = 0.1;           // peak LR after scaling (see scaled_lr)
  double momentum = 0.9;     // sgd
  bool nesterov = true;      // sgd
  double weight_decay = 1e-4;
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-6;  // adamw, lamb
  // Substrings of parameter names exempt from weight decay, e.g. {"bias", "LayerNorm", "bn"}.
  std::vector<std::string> no_decay_patterns;
};

// The optim.* section: optim.name, optim.lr_per_256, optim.lr (0 = derive from lr_per_256 and
// the global batch), optim.momentum, optim.nesterov, optim.weight_decay, optim.betas,
// optim.eps, optim.no_decay.
config::Schema optimizer_schema();

// Reads the optim.* section back, validating ranges (lr > 0, 0 <= momentum < 1, betas in
// [0, 1), eps > 0, weight_decay >= 0, a known name); a bad value is a ptk::usage_error naming
// the key. The peak LR is optim.lr when set, else scaled_lr(optim.lr_per_256, global_batch).
OptimizerOptions optimizer_options(const config::Config& config, int64_t global_batch);

// Throws ptk::usage_error naming the optim.* key of the first out-of-range field (the checks
// optimizer_options and make_optimizer apply).
void validate(const OptimizerOptions& options);

// Linear scaling rule (Goyal et al.): lr_per_256 * global_batch / 256.
double scaled_lr(double lr_per_256, int64_t global_batch);

// Builds the optimizer over the parameters that require grad, in two param groups, always in
// this order: 0 = with weight decay, 1 = without (a name containing any no_decay pattern).
// Either group may be empty. A tensor listed under two names (tied weights) is optimized once,
// in the group of its first name. Duplicate names or undefined tensors are a ptk::Error.
// torch::load restores the per-parameter state (momentum, moments, step counts) but, as
// LibTorch does, not the group options: the trainer sets the LR from the schedule every step.
std::unique_ptr<torch::optim::Optimizer> make_optimizer(
    const OptimizerOptions& options,
    const std::vector<std::pair<std::string, at::Tensor>>& named_parameters);

// Sets the learning rate of every param group (the schedule drives this each step).
void set_learning_rate(torch::optim::Optimizer& optimizer, double lr);

}  // namespace ptk::train
