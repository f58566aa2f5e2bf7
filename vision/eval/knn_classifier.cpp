#include "vision/eval/knn_classifier.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "common/base/error.h"

namespace ptk::vision {

namespace {

// Rows scaled to unit L2 norm (an all-zero row stays zero: it matches nothing).
at::Tensor l2_normalized(const at::Tensor& x) {
  const at::Tensor f = x.to(at::kFloat);
  return f / f.norm(2, {1}, /*keepdim=*/true).clamp_min(1e-12);
}

}  // namespace

at::Tensor knn_scores(const at::Tensor& features, const at::Tensor& labels,
                      const at::Tensor& queries, int64_t num_classes, const KnnOptions& options) {
  fail_if(features.dim() != 2 || queries.dim() != 2 || labels.dim() != 1 ||
              features.size(0) != labels.size(0) || features.size(1) != queries.size(1) ||
              features.size(0) == 0,
          "kNN: features [N, D], labels [N] and queries [Q, D] expected, N > 0");
  fail_if(labels.min().item<int64_t>() < 0 || labels.max().item<int64_t>() >= num_classes,
          "kNN: training labels outside [0, {})", num_classes);
  at::NoGradGuard no_grad;
  const at::Tensor bank = l2_normalized(features);
  const at::Tensor bank_labels = labels.to(at::kLong);
  const int64_t n = bank.size(0);
  const int64_t k = std::min(options.k, n);
  const int64_t chunk = std::max<int64_t>(1, (int64_t{64} << 20) / n);
  at::Tensor scores = at::zeros({queries.size(0), num_classes}, at::kFloat);
  for (int64_t begin = 0; begin < queries.size(0); begin += chunk) {
    const int64_t end = std::min(queries.size(0), begin + chunk);
    const at::Tensor q = l2_normalized(queries.slice(0, begin, end));
    const auto [similarity, index] = at::mm(q, bank.t()).topk(k, 1);
    const at::Tensor votes = (similarity / options.temperature).exp();
    const at::Tensor voted = bank_labels.index_select(0, index.reshape({-1})).view_as(index);
    scores.slice(0, begin, end).scatter_add_(1, voted, votes);
  }
  return scores;
}

}  // namespace ptk::vision
