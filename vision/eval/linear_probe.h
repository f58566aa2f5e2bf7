// The linear probe: multinomial logistic regression on frozen features. Features are
// standardised with the training set's per-dimension mean and std (constant dimensions are
// zeroed), so one L2 sweep fits every backbone's feature scale. Each fit is full-batch L-BFGS
// from zero weights on a convex objective, hence deterministic for a given thread count. The
// L2 strength is chosen on a held-out part of train (a seeded split), then the model is refitted
// on all of train and scored once on val.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <utility>
#include <vector>

#include "vision/eval/imagenet_eval_options.h"
#include "vision/eval/topk_accuracy.h"

namespace ptk::vision {

// x -> (x - mean) * inv_std, with inv_std = 0 where the training std is ~0.
struct FeatureStandardizer {
  at::Tensor mean;     // [D]
  at::Tensor inv_std;  // [D]

  static FeatureStandardizer fit(const at::Tensor& features);
  at::Tensor apply(const at::Tensor& features) const;
};

struct LinearClassifier {
  at::Tensor weight;  // [C, D]
  at::Tensor bias;    // [C]
  int64_t iterations = 0;
  double final_loss = 0;  // objective (mean cross-entropy + L2 term) at the end

  at::Tensor logits(const at::Tensor& features) const;
};

// Minimises mean cross-entropy + weight_decay / 2 * |W|^2 (bias not penalised) over
// `features` [N, D] float and `labels` [N] int64 in [0, num_classes). ptk::Error on bad shapes
// or labels.
LinearClassifier fit_logistic_regression(const at::Tensor& features, const at::Tensor& labels,
                                         int64_t num_classes, double weight_decay,
                                         int64_t max_iterations);

struct LinearProbeResult {
  TopKAccuracy val;                              // on the val split, after the refit
  double weight_decay = 0;                       // the chosen L2 strength
  std::vector<std::pair<double, double>> sweep;  // (weight decay, held-out top-1)
  int64_t holdout_images = 0;
  int64_t train_images = 0;
};

// Sweep on a held-out split of train, refit on all train, score on val (see the top).
LinearProbeResult linear_probe(const at::Tensor& train_features, const at::Tensor& train_labels,
                               const at::Tensor& val_features, const at::Tensor& val_labels,
                               int64_t num_classes, const LinearProbeOptions& options);

}  // namespace ptk::vision
