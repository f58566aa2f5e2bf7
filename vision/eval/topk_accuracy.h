// Top-1 / top-5 accuracy of class scores against integer labels, as ImageNet reports it: a
// sample counts when its label is among the k highest scores (k capped at the number of
// classes, so top-5 of a 3-class problem is 1).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace ptk::vision {

struct TopKAccuracy {
  double top1 = 0;
  double top5 = 0;
};

// Samples of `scores` [N, C] whose `labels` [N] (int64) is among the top `k` scores.
int64_t topk_hits(const at::Tensor& scores, const at::Tensor& labels, int64_t k);

// Top-1 and top-5 as fractions of N (N > 0).
TopKAccuracy topk_accuracy(const at::Tensor& scores, const at::Tensor& labels);

}  // namespace ptk::vision
