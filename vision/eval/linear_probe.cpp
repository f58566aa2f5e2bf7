#include "vision/eval/linear_probe.h"

#include <ATen/ATen.h>
#include <spdlog/spdlog.h>
#include <torch/optim/lbfgs.h>

#include <algorithm>
#include <cmath>

#include "common/base/error.h"
#include "common/data/epoch_order.h"

namespace ptk::vision {

namespace {

void check_inputs(const at::Tensor& features, const at::Tensor& labels, int64_t num_classes,
                  const char* what) {
  fail_if(features.dim() != 2 || labels.dim() != 1 || features.size(0) != labels.size(0) ||
              features.size(0) == 0,
          "linear probe: {} features must be [N, D] and labels [N] with N > 0", what);
  fail_if(labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= num_classes,
          "linear probe: {} labels outside [0, {})", what, num_classes);
}

}  // namespace

FeatureStandardizer FeatureStandardizer::fit(const at::Tensor& features) {
  FeatureStandardizer s;
  const at::Tensor x = features.to(at::kFloat);
  s.mean = x.mean(0);
  const at::Tensor std = x.std(0, /*unbiased=*/false);
  s.inv_std = at::where(std > 1e-6, 1.0 / std.clamp_min(1e-6), at::zeros_like(std));
  return s;
}

at::Tensor FeatureStandardizer::apply(const at::Tensor& features) const {
  return (features.to(at::kFloat) - mean) * inv_std;
}

at::Tensor LinearClassifier::logits(const at::Tensor& features) const {
  return at::addmm(bias, features, weight.t());
}

LinearClassifier fit_logistic_regression(const at::Tensor& features, const at::Tensor& labels,
                                         int64_t num_classes, double weight_decay,
                                         int64_t max_iterations) {
  check_inputs(features, labels, num_classes, "training");
  const at::Tensor x = features.to(at::kFloat).contiguous();
  const at::Tensor y = labels.to(at::kLong);
  at::Tensor weight = at::zeros({num_classes, x.size(1)}, x.options()).requires_grad_(true);
  at::Tensor bias = at::zeros({num_classes}, x.options()).requires_grad_(true);

  torch::optim::LBFGS optimizer({weight, bias}, torch::optim::LBFGSOptions(1.0)
                                                    .max_iter(max_iterations)
                                                    .history_size(20)
                                                    .tolerance_grad(1e-6)
                                                    .tolerance_change(1e-10)
                                                    .line_search_fn("strong_wolfe"));
  int64_t evaluations = 0;
  auto objective = [&] {
    optimizer.zero_grad();
    at::Tensor loss = at::cross_entropy_loss(at::addmm(bias, x, weight.t()), y);
    if (weight_decay > 0) loss = loss + 0.5 * weight_decay * weight.pow(2).sum();
    loss.backward();
    ++evaluations;
    return loss;
  };
  optimizer.step(objective);

  LinearClassifier classifier;
  classifier.weight = weight.detach();
  classifier.bias = bias.detach();
  classifier.iterations = evaluations;
  {
    at::NoGradGuard no_grad;
    at::Tensor loss = at::cross_entropy_loss(classifier.logits(x), y);
    classifier.final_loss =
        loss.item<double>() + 0.5 * weight_decay * weight.detach().pow(2).sum().item<double>();
  }
  return classifier;
}

LinearProbeResult linear_probe(const at::Tensor& train_features, const at::Tensor& train_labels,
                               const at::Tensor& val_features, const at::Tensor& val_labels,
                               int64_t num_classes, const LinearProbeOptions& options) {
  check_inputs(train_features, train_labels, num_classes, "train");
  check_inputs(val_features, val_labels, num_classes, "val");
  fail_if(val_features.size(1) != train_features.size(1),
          "linear probe: train and val features differ in width");
  at::NoGradGuard outer;  // only the fits themselves need autograd
  const FeatureStandardizer standardizer = FeatureStandardizer::fit(train_features);
  const at::Tensor train_x = standardizer.apply(train_features);
  const at::Tensor val_x = standardizer.apply(val_features);
  const int64_t n = train_x.size(0);

  LinearProbeResult result;
  result.train_images = n;
  if (options.weight_decays.size() == 1 || n < 2) {
    result.weight_decay = options.weight_decays.front();
  } else {
    // A seeded permutation of train: the first `holdout` positions are held out.
    const int64_t holdout = std::clamp<int64_t>(
        std::llround(options.holdout_fraction * static_cast<double>(n)), 1, n - 1);
    const data::FeistelPermutation permutation(static_cast<uint64_t>(n), options.seed);
    std::vector<int64_t> order(n);
    for (int64_t i = 0; i < n; ++i) order[i] = static_cast<int64_t>(permutation(i));
    const at::Tensor index = at::tensor(order, at::kLong);
    const at::Tensor held = index.slice(0, 0, holdout);
    const at::Tensor kept = index.slice(0, holdout);
    const at::Tensor fit_x = train_x.index_select(0, kept);
    const at::Tensor fit_y = train_labels.index_select(0, kept);
    const at::Tensor held_x = train_x.index_select(0, held);
    const at::Tensor held_y = train_labels.index_select(0, held);
    result.holdout_images = holdout;
    double best = -1;
    for (double wd : options.weight_decays) {
      at::AutoGradMode enable(true);
      const LinearClassifier c =
          fit_logistic_regression(fit_x, fit_y, num_classes, wd, options.max_iterations);
      at::NoGradGuard no_grad;
      const double top1 = static_cast<double>(topk_hits(c.logits(held_x), held_y, 1)) /
                          static_cast<double>(holdout);
      spdlog::info("linear probe: weight decay {:g}: held-out top-1 {:.4f} ({} evaluations)", wd,
                   top1, c.iterations);
      result.sweep.emplace_back(wd, top1);
      if (top1 > best) {
        best = top1;
        result.weight_decay = wd;
      }
    }
  }
  at::AutoGradMode enable(true);
  const LinearClassifier final_classifier = fit_logistic_regression(
      train_x, train_labels, num_classes, result.weight_decay, options.max_iterations);
  at::NoGradGuard no_grad;
  result.val = topk_accuracy(final_classifier.logits(val_x), val_labels);
  return result;
}

}  // namespace ptk::vision
