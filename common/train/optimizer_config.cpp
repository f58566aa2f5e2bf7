#include "common/train/optimizer.h"

#include <cmath>

#include "common/base/error.h"
#include "common/base/number_text.h"
#include "common/config/option_table.h"

// The optim.* config section. Kept apart from make_optimizer so that builds of the training step
// alone (bench/gpu) need LibTorch and no config library.
namespace ptk::train {
namespace {

// optim.* as written: the peak LR is given, or scaled from lr_per_256 by the global batch; the
// betas are one list.
struct OptimSection {
  OptimizerOptions options;  // every other key
  double lr = 0.0;           // optim.lr: 0 = optim.lr_per_256 scaled
  double lr_per_256 = 0.1;
  std::vector<double> betas{options.beta1, options.beta2};
};

config::OptionTable<OptimSection> optim_table() {
  using config::nested;
  using O = OptimizerOptions;
  using S = OptimSection;
  config::OptionTable<S> t;
  t.add("optim.name", nested(&S::options, &O::name), "optimizer: sgd, adamw or lamb")
      .add("optim.lr_per_256", &S::lr_per_256,
           "peak LR per 256 samples of global batch (linear scaling rule)")
      .add("optim.lr", &S::lr, "peak LR; 0 = optim.lr_per_256 * train.global_batch / 256",
           config::at_least(0, "0 = use optim.lr_per_256"), config::finite())
      .add("optim.momentum", nested(&S::options, &O::momentum), "sgd: momentum")
      .add("optim.nesterov", nested(&S::options, &O::nesterov), "sgd: Nesterov momentum")
      .add("optim.weight_decay", nested(&S::options, &O::weight_decay),
           "weight decay (decoupled for adamw and lamb, L2 for sgd)")
      .add("optim.betas", &S::betas, "adamw/lamb: moment decay rates [beta1, beta2]")
      .add("optim.eps", nested(&S::options, &O::eps), "adamw/lamb: denominator epsilon")
      .add("optim.no_decay", nested(&S::options, &O::no_decay_patterns),
           "substrings of parameter names exempt from weight decay, e.g. [bias, LayerNorm]");
  return t;
}

}  // namespace

config::Schema optimizer_schema() { return optim_table().schema(); }

double scaled_lr(double lr_per_256, int64_t global_batch) {
  if (global_batch <= 0) {
    throw usage_error("linear LR scaling needs a global batch > 0, got {}", global_batch);
  }
  return lr_per_256 * static_cast<double>(global_batch) / 256.0;
}

OptimizerOptions optimizer_options(const config::Config& config, int64_t global_batch) {
  const OptimSection section = optim_table().read(config);
  OptimizerOptions options = section.options;
  if (section.lr > 0.0) {
    options.lr = section.lr;
  } else {
    if (!(section.lr_per_256 > 0.0) || !std::isfinite(section.lr_per_256)) {
      throw usage_error("optim.lr_per_256 must be > 0, got {}", format_double(section.lr_per_256));
    }
    options.lr = scaled_lr(section.lr_per_256, global_batch);
  }
  if (section.betas.size() != 2) {
    throw usage_error("optim.betas must hold two values [beta1, beta2], got {}",
                      section.betas.size());
  }
  options.beta1 = section.betas[0];
  options.beta2 = section.betas[1];
  validate(options);
  return options;
}

}  // namespace ptk::train
