// The hashtag-prediction objective (Mahajan et al. 2018) on a batch of logits: softmax
// cross-entropy against the k-hot / k soft target, or per-class sigmoid cross-entropy against
// the k-hot target, and hashtag top-k hits, where a prediction counts when it is one of the
// image's hashtags. Pure tensor functions; no state.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "vision/hashtags/targets.h"

namespace ptk::vision {

// Mean over the batch of the per-image loss. kSoftKHot: -(target * log_softmax(logits)).sum(1);
// kKHot: binary cross-entropy with logits summed over the classes (a mean over classes would
// shrink the gradient by the vocabulary size). `targets` is [N, K] as fill_target writes it.
at::Tensor hashtag_loss(const at::Tensor& logits, const at::Tensor& targets, TargetKind kind);

// Images whose k highest logits include at least one of their hashtags (targets > 0): a
// count, as a double so it sums across micro-batches and ranks. k is capped at K.
double hashtag_topk_hits(const at::Tensor& logits, const at::Tensor& targets, int64_t k);

}  // namespace ptk::vision
