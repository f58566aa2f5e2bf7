// The hashtag objective and metrics: soft-target softmax cross-entropy, per-class sigmoid, and
// top-k hits where a prediction counts when it is one of the image's hashtags.
#include "vision/datasets/hashtag_loss.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/base/error.h"

namespace ptk::vision {
namespace {

TEST(HashtagLoss, SoftKHotCrossEntropyMatchesTheHandComputedValue) {
  const at::Tensor logits = at::tensor({1.0f, 2.0f, 3.0f, 0.0f, 0.0f, 0.0f}).view({2, 3});
  const at::Tensor targets = at::tensor({0.0f, 0.5f, 0.5f, 1.0f, 0.0f, 0.0f}).view({2, 3});
  const double lse0 = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  const double image0 = -(0.5 * (2.0 - lse0) + 0.5 * (3.0 - lse0));
  const double image1 = std::log(3.0);
  EXPECT_NEAR(hashtag_loss(logits, targets, TargetKind::kSoftKHot).item<double>(),
              (image0 + image1) / 2, 1e-6);
}

TEST(HashtagLoss, OneHashtagPerImageIsPlainCrossEntropy) {
  at::manual_seed(3);
  const at::Tensor logits = at::randn({6, 10});
  const at::Tensor labels = at::tensor({0, 3, 9, 2, 2, 7}, at::kLong);
  const at::Tensor targets = at::one_hot(labels, 10).to(at::kFloat);
  const at::Tensor expected = at::nll_loss(at::log_softmax(logits, 1), labels);
  EXPECT_NEAR(hashtag_loss(logits, targets, TargetKind::kSoftKHot).item<double>(),
              expected.item<double>(), 1e-5);
}

TEST(HashtagLoss, SigmoidSumsBinaryCrossEntropyOverClasses) {
  const at::Tensor logits = at::tensor({2.0f, -1.0f, 0.5f}).view({1, 3});
  const at::Tensor targets = at::tensor({1.0f, 0.0f, 1.0f}).view({1, 3});
  auto bce = [](double x, double t) {
    const double p = 1.0 / (1.0 + std::exp(-x));
    return -(t * std::log(p) + (1 - t) * std::log(1 - p));
  };
  EXPECT_NEAR(hashtag_loss(logits, targets, TargetKind::kKHot).item<double>(),
              bce(2.0, 1) + bce(-1.0, 0) + bce(0.5, 1), 1e-5);
}

TEST(HashtagLoss, GradientPushesMassTowardsEveryHashtagEqually) {
  const at::Tensor logits = at::zeros({1, 4}).requires_grad_(true);
  const at::Tensor targets = at::tensor({0.5f, 0.5f, 0.0f, 0.0f}).view({1, 4});
  hashtag_loss(logits, targets, TargetKind::kSoftKHot).backward();
  const at::Tensor grad = logits.grad();
  // softmax - target: 0.25 - 0.5 on the two hashtags, 0.25 elsewhere.
  EXPECT_NEAR(grad[0][0].item<double>(), -0.25, 1e-6);
  EXPECT_NEAR(grad[0][1].item<double>(), -0.25, 1e-6);
  EXPECT_NEAR(grad[0][2].item<double>(), 0.25, 1e-6);
}

TEST(HashtagTopK, APredictionCountsWhenItIsOneOfTheImagesHashtags) {
  // Image 0: best class 2 is one of its hashtags {1, 2}.
  // Image 1: best class 0 is not among {3}; class 3 is its 4th best.
  // Image 2: no hashtag in its top 5 of 6 classes.
  const at::Tensor logits = at::tensor({0.0f, 1.0f, 5.0f, 0.0f, 0.0f, 0.0f,  //
                                        9.0f, 8.0f, 7.0f, 6.0f, 0.0f, 1.0f,  //
                                        9.0f, 8.0f, 7.0f, 6.0f, 5.0f, 0.0f})
                                .view({3, 6});
  const at::Tensor targets = at::tensor({0.0f, 0.5f, 0.5f, 0.0f, 0.0f, 0.0f,  //
                                         0.0f, 0.0f, 0.0f, 1.0f, 0.0f, 0.0f,  //
                                         0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 1.0f})
                                 .view({3, 6});
  EXPECT_EQ(hashtag_topk_hits(logits, targets, 1), 1.0);
  EXPECT_EQ(hashtag_topk_hits(logits, targets, 3), 1.0);
  EXPECT_EQ(hashtag_topk_hits(logits, targets, 4), 2.0);
  EXPECT_EQ(hashtag_topk_hits(logits, targets, 5), 2.0);
  EXPECT_EQ(hashtag_topk_hits(logits, targets, 50), 3.0);  // k is capped at the classes
}

TEST(HashtagLoss, MismatchedShapesAreAnError) {
  EXPECT_THROW(hashtag_loss(at::zeros({2, 3}), at::zeros({2, 4}), TargetKind::kSoftKHot), Error);
  EXPECT_THROW(hashtag_topk_hits(at::zeros({2, 3}), at::zeros({3}), 1), Error);
  EXPECT_THROW(hashtag_topk_hits(at::zeros({2, 3}), at::zeros({2, 3}), 0), Error);
}

}  // namespace
}  // namespace ptk::vision
