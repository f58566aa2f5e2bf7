#include "vision/datasets/hashtag_loss.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <sstream>

#include "common/base/error.h"

namespace ptk::vision {

namespace {

void check_shapes(const at::Tensor& logits, const at::Tensor& targets) {
  if (logits.dim() != 2 || !logits.sizes().equals(targets.sizes())) {
    std::ostringstream shapes;
    shapes << "hashtag loss: logits " << logits.sizes() << " and targets " << targets.sizes()
           << " must both be [batch, classes]";
    throw error(shapes.str());
  }
}

}  // namespace

at::Tensor hashtag_loss(const at::Tensor& logits, const at::Tensor& targets, TargetKind kind) {
  check_shapes(logits, targets);
  // Computed in float32 even under bf16 autocast: log_softmax over 17k classes needs it.
  const at::Tensor x = logits.to(at::kFloat);
  const at::Tensor t = targets.to(x.device(), at::kFloat);
  if (kind == TargetKind::kSoftKHot) {
    return -(t * at::log_softmax(x, 1)).sum(1).mean();
  }
  return at::binary_cross_entropy_with_logits(x, t, {}, {}, at::Reduction::None).sum(1).mean();
}

double hashtag_topk_hits(const at::Tensor& logits, const at::Tensor& targets, int64_t k) {
  check_shapes(logits, targets);
  fail_if(k < 1, "hashtag top-k: k must be >= 1, got {}", k);
  k = std::min<int64_t>(k, logits.size(1));
  const at::Tensor top = std::get<1>(logits.detach().topk(k, 1));
  const at::Tensor hit = targets.to(top.device()).gather(1, top).gt(0).any(1);
  return hit.sum().item<double>();
}

}  // namespace ptk::vision
