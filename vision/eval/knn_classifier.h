// Weighted k-nearest-neighbour classification of frozen features (Wu et al. 2018, as DINO and
// most self-supervised papers report it): cosine similarity of L2-normalised features, the k
// most similar training images vote for their class with weight exp(similarity / T). Queries
// are processed in chunks so memory stays bounded (about 64M similarities at a time).
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "vision/eval/imagenet_eval_options.h"

namespace ptk::vision {

// Class scores [Q, num_classes] (summed vote weights) of `queries` [Q, D] against the training
// `features` [N, D] with `labels` [N] (int64). k is capped at N. ptk::Error on bad shapes.
at::Tensor knn_scores(const at::Tensor& features, const at::Tensor& labels,
                      const at::Tensor& queries, int64_t num_classes, const KnnOptions& options);

}  // namespace ptk::vision
