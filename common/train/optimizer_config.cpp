#include "common/train/optimizer.h"

#include <cmath>

#include "common/base/error.h"
#include "common/base/number_text.h"

// The optim.* config section. Kept apart from make_optimizer so that builds of the training step
// alone (bench/gpu) need LibTorch and no config library.
namespace ptk::train {

config::Schema optimizer_schema() {
  config::Schema schema;
  schema.add("optim.name", "sgd", "optimizer: sgd, adamw or lamb")
      .add("optim.lr_per_256", config::Value(0.1),
           "peak LR per 256 samples of global batch (linear scaling rule)")
      .add("optim.lr", config::Value(0.0),
           "peak LR; 0 = optim.lr_per_256 * train.global_batch / 256")
      .add("optim.momentum", config::Value(0.9), "sgd: momentum")
      .add("optim.nesterov", config::Value(true), "sgd: Nesterov momentum")
      .add("optim.weight_decay", config::Value(1e-4),
           "weight decay (decoupled for adamw and lamb, L2 for sgd)")
      .add("optim.betas", config::Value(std::vector<double>{0.9, 0.999}),
           "adamw/lamb: moment decay rates [beta1, beta2]")
      .add("optim.eps", config::Value(1e-6), "adamw/lamb: denominator epsilon")
      .add("optim.no_decay", config::Value(std::vector<std::string>{}),
           "substrings of parameter names exempt from weight decay, e.g. [bias, LayerNorm]");
  return schema;
}

double scaled_lr(double lr_per_256, int64_t global_batch) {
  if (global_batch <= 0) {
    throw UsageError("linear LR scaling needs a global batch > 0, got " +
                     std::to_string(global_batch));
  }
  return lr_per_256 * static_cast<double>(global_batch) / 256.0;
}

OptimizerOptions optimizer_options(const config::Config& config, int64_t global_batch) {
  OptimizerOptions options;
  options.name = config.get_string("optim.name");
  const double lr = config.get_float("optim.lr");
  if (!(lr >= 0.0) || !std::isfinite(lr)) {
    throw UsageError("optim.lr must be > 0 (or 0 to use optim.lr_per_256), got " +
                     format_double(lr));
  }
  if (lr > 0.0) {
    options.lr = lr;
  } else {
    const double lr_per_256 = config.get_float("optim.lr_per_256");
    if (!(lr_per_256 > 0.0) || !std::isfinite(lr_per_256)) {
      throw UsageError("optim.lr_per_256 must be > 0, got " + format_double(lr_per_256));
    }
    options.lr = scaled_lr(lr_per_256, global_batch);
  }
  options.momentum = config.get_float("optim.momentum");
  options.nesterov = config.get_bool("optim.nesterov");
  options.weight_decay = config.get_float("optim.weight_decay");
  const std::vector<double> betas = config.get_float_list("optim.betas");
  if (betas.size() != 2) {
    throw UsageError("optim.betas must hold two values [beta1, beta2], got " +
                     std::to_string(betas.size()));
  }
  options.beta1 = betas[0];
  options.beta2 = betas[1];
  options.eps = config.get_float("optim.eps");
  options.no_decay_patterns = config.get_string_list("optim.no_decay");
  validate(options);
  return options;
}

}  // namespace ptk::train
