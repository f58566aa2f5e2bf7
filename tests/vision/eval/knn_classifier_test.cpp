// kNN on hand-made features whose neighbours and votes can be worked out on paper.
#include "vision/eval/knn_classifier.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "common/base/error.h"
#include "vision/eval/topk_accuracy.h"

namespace ptk::vision {
namespace {

TEST(KnnClassifier, VotesAreExpSimilarityOverTemperatureOfTheKNearest) {
  // Training points on the unit circle (any length: only direction counts).
  const at::Tensor bank = at::tensor({1.0f, 0.0f,   // class 0, angle 0
                                      0.0f, 3.0f,   // class 1, angle 90
                                      -2.0f, 0.0f,  // class 2, angle 180
                                      0.8f, 0.6f})  // class 1, cos 0.8 to the query below
                              .view({4, 2});
  const at::Tensor labels = at::tensor({0, 1, 2, 1}, at::kLong);
  const at::Tensor query = at::tensor({5.0f, 0.0f}).view({1, 2});
  KnnOptions options;
  options.k = 2;
  options.temperature = 0.5;
  const at::Tensor scores = knn_scores(bank, labels, query, 3, options);
  // The two nearest: class 0 (similarity 1) and class 1 (0.8); class 2 is not among them.
  EXPECT_NEAR(scores[0][0].item<double>(), std::exp(1.0 / 0.5), 1e-3);
  EXPECT_NEAR(scores[0][1].item<double>(), std::exp(0.8 / 0.5), 1e-3);
  EXPECT_EQ(scores[0][2].item<double>(), 0.0);
}

TEST(KnnClassifier, ManyWeakNeighboursCanOutvoteOneStrongOne) {
  const at::Tensor bank = at::tensor({1.0f, 0.0f, 0.6f, 0.8f, 0.6f, 0.8f, 0.6f, 0.8f}).view({4, 2});
  const at::Tensor labels = at::tensor({0, 1, 1, 1}, at::kLong);
  const at::Tensor query = at::tensor({1.0f, 0.0f}).view({1, 2});
  KnnOptions options;  // k = 20 > 4 training points: capped
  options.temperature = 1.0;
  const at::Tensor scores = knn_scores(bank, labels, query, 2, options);
  EXPECT_NEAR(scores[0][0].item<double>(), std::exp(1.0), 1e-4);
  EXPECT_NEAR(scores[0][1].item<double>(), 3 * std::exp(0.6), 1e-4);
  options.temperature = 0.07;  // a sharp temperature trusts the single exact match
  EXPECT_EQ(knn_scores(bank, labels, query, 2, options).argmax(1).item<int64_t>(), 0);
}

TEST(KnnClassifier, ClustersAreClassifiedAndTopKCounts) {
  at::manual_seed(3);
  const at::Tensor centres = at::eye(4) * 5;
  const at::Tensor labels = at::arange(4, at::kLong).repeat_interleave(30);
  const at::Tensor bank = centres.index_select(0, labels) + at::randn({120, 4});
  const at::Tensor query_labels = at::arange(4, at::kLong).repeat_interleave(5);
  const at::Tensor queries = centres.index_select(0, query_labels) + at::randn({20, 4});
  const TopKAccuracy accuracy =
      topk_accuracy(knn_scores(bank, labels, queries, 4, KnnOptions{}), query_labels);
  EXPECT_DOUBLE_EQ(accuracy.top1, 1.0);
  EXPECT_DOUBLE_EQ(accuracy.top5, 1.0);  // top-5 of 4 classes always hits
}

TEST(KnnClassifier, BadShapesAndLabelsAreErrors) {
  const at::Tensor bank = at::ones({3, 2});
  EXPECT_THROW(knn_scores(bank, at::zeros({2}, at::kLong), at::ones({1, 2}), 2, {}), Error);
  EXPECT_THROW(knn_scores(bank, at::zeros({3}, at::kLong), at::ones({1, 3}), 2, {}), Error);
  EXPECT_THROW(knn_scores(bank, at::full({3}, 5, at::kLong), at::ones({1, 2}), 2, {}), Error);
}

TEST(TopKAccuracy, CountsLabelsAmongTheHighestScores) {
  const at::Tensor scores = at::tensor({0.1f, 0.5f, 0.4f, 0.0f, 0.0f, 0.0f,  // top-1 = 1
                                        0.9f, 0.05f, 0.0f, 0.1f, 0.2f, 0.3f})
                                .view({2, 6});
  const at::Tensor labels = at::tensor({2, 1}, at::kLong);
  EXPECT_EQ(topk_hits(scores, labels, 1), 0);
  EXPECT_EQ(topk_hits(scores, labels, 2), 1);  // sample 0: label 2 is second
  EXPECT_EQ(topk_hits(scores, labels, 5), 2);  // sample 1: label 1 is fifth
  const TopKAccuracy accuracy = topk_accuracy(scores, at::tensor({1, 0}, at::kLong));
  EXPECT_DOUBLE_EQ(accuracy.top1, 1.0);
}

}  // namespace
}  // namespace ptk::vision
