#include "vision/eval/topk_accuracy.h"

#include <ATen/ATen.h>

#include <algorithm>

#include "common/base/error.h"

namespace ptk::vision {

int64_t topk_hits(const at::Tensor& scores, const at::Tensor& labels, int64_t k) {
  fail_if(scores.dim() != 2 || labels.dim() != 1 || scores.size(0) != labels.size(0),
          "top-k accuracy: scores must be [N, C] and labels [N]");
  const int64_t kk = std::min<int64_t>(k, scores.size(1));
  const at::Tensor top = std::get<1>(scores.topk(kk, 1));
  return top.eq(labels.to(top.device()).unsqueeze(1)).any(1).sum().item<int64_t>();
}

TopKAccuracy topk_accuracy(const at::Tensor& scores, const at::Tensor& labels) {
  const double n = static_cast<double>(labels.size(0));
  fail_if(n == 0, "top-k accuracy of no samples");
  return {static_cast<double>(topk_hits(scores, labels, 1)) / n,
          static_cast<double>(topk_hits(scores, labels, 5)) / n};
}

}  // namespace ptk::vision
