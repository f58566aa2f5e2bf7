#include "common/train/optimizer.h"

#include <cmath>
#include <sstream>
#include <unordered_set>

#include "common/base/error.h"
#include "common/base/number_text.h"
#include "common/train/foreach_optimizers.h"
#include "common/train/lamb.h"

namespace ptk::train {
namespace {

bool known_name(const std::string& name) {
  return name == "sgd" || name == "adamw" || name == "lamb";
}

bool exempt_from_decay(const std::string& name, const std::vector<std::string>& patterns) {
  for (const auto& pattern : patterns) {
    if (name.find(pattern) != std::string::npos) return true;
  }
  return false;
}

template <typename Options>
std::vector<torch::optim::OptimizerParamGroup> make_groups(std::vector<at::Tensor> decay,
                                                           std::vector<at::Tensor> no_decay,
                                                           const Options& with_decay) {
  Options without_decay = with_decay;
  without_decay.weight_decay(0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::move(decay), std::make_unique<Options>(with_decay));
  groups.emplace_back(std::move(no_decay), std::make_unique<Options>(without_decay));
  return groups;
}

}  // namespace

void validate(const OptimizerOptions& options) {
  if (!known_name(options.name)) {
    throw usage_error("optim.name: unknown optimizer '{}' (expected sgd, adamw or lamb)",
                      options.name);
  }
  if (!(options.lr > 0.0) || !std::isfinite(options.lr)) {
    throw usage_error("optim.lr: the learning rate must be a finite value > 0, got {}",
                      format_double(options.lr));
  }
  if (!(options.momentum >= 0.0 && options.momentum < 1.0)) {
    throw usage_error("optim.momentum must be in [0, 1), got {}", format_double(options.momentum));
  }
  if (options.name == "sgd" && options.nesterov && options.momentum == 0.0) {
    throw usage_error("optim.nesterov=true needs optim.momentum > 0");
  }
  if (!(options.weight_decay >= 0.0) || !std::isfinite(options.weight_decay)) {
    throw usage_error("optim.weight_decay must be >= 0, got {}",
                      format_double(options.weight_decay));
  }
  if (!(options.beta1 >= 0.0 && options.beta1 < 1.0) ||
      !(options.beta2 >= 0.0 && options.beta2 < 1.0)) {
    throw usage_error("optim.betas must both be in [0, 1), got [{}, {}]",
                      format_double(options.beta1), format_double(options.beta2));
  }
  if (!(options.eps > 0.0) || !std::isfinite(options.eps)) {
    throw usage_error("optim.eps must be > 0, got {}", format_double(options.eps));
  }
  for (const auto& pattern : options.no_decay_patterns) {
    // An empty pattern is a substring of every name: it would silently disable weight decay.
    if (pattern.empty()) throw usage_error("optim.no_decay: empty pattern matches every parameter");
  }
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(
    const OptimizerOptions& options,
    const std::vector<std::pair<std::string, at::Tensor>>& named_parameters) {
  validate(options);
  std::vector<at::Tensor> decay;
  std::vector<at::Tensor> no_decay;
  std::unordered_set<std::string> names;
  std::unordered_set<const void*> tensors;
  for (const auto& [name, tensor] : named_parameters) {
    if (!names.insert(name).second) {
      throw error("make_optimizer: parameter name '{}' appears twice", name);
    }
    fail_if(!tensor.defined(), "make_optimizer: parameter '{}' is undefined", name);
    if (!tensor.requires_grad()) continue;  // frozen (e.g. a linear probe's backbone)
    fail_if(!tensor.is_leaf(),
            "make_optimizer: parameter '{}' is not a leaf tensor (it was computed from other "
            "tensors)",
            name);
    // A tied weight (BERT's decoder and word embeddings) is one tensor under two names: it must
    // be updated once, in the group of its first name.
    if (!tensors.insert(tensor.unsafeGetTensorImpl()).second) continue;
    (exempt_from_decay(name, options.no_decay_patterns) ? no_decay : decay).push_back(tensor);
  }

  if (options.name == "sgd") {
    auto sgd = torch::optim::SGDOptions(options.lr)
                   .momentum(options.momentum)
                   .nesterov(options.nesterov)
                   .weight_decay(options.weight_decay);
    return std::make_unique<ForeachSgd>(make_groups(std::move(decay), std::move(no_decay), sgd),
                                        sgd);
  }
  if (options.name == "adamw") {
    auto adamw = torch::optim::AdamWOptions(options.lr)
                     .betas(std::make_tuple(options.beta1, options.beta2))
                     .eps(options.eps)
                     .weight_decay(options.weight_decay);
    return std::make_unique<ForeachAdamW>(make_groups(std::move(decay), std::move(no_decay), adamw),
                                          adamw);
  }
  auto lamb = LambOptions(options.lr)
                  .betas(std::make_tuple(options.beta1, options.beta2))
                  .eps(options.eps)
                  .weight_decay(options.weight_decay);
  return std::make_unique<Lamb>(make_groups(std::move(decay), std::move(no_decay), lamb), lamb);
}

void set_learning_rate(torch::optim::Optimizer& optimizer, double lr) {
  for (auto& group : optimizer.param_groups()) group.options().set_lr(lr);
}

}  // namespace ptk::train
