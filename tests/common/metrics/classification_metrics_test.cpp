#include "common/metrics/classification_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/base/error.h"

namespace ptk::metrics {
namespace {

// labels 1 1 1 0 0 0 1 0 against predictions 1 0 1 0 1 0 1 0:
// tp = 3 (positions 0, 2, 6), fn = 1 (1), fp = 1 (4), tn = 3 (3, 5, 7).
const std::vector<int> kLabels = {1, 1, 1, 0, 0, 0, 1, 0};
const std::vector<int> kPredictions = {1, 0, 1, 0, 1, 0, 1, 0};

TEST(ClassificationMetrics, HandWorkedBinaryCase) {
  EXPECT_DOUBLE_EQ(accuracy(kLabels, kPredictions), 6.0 / 8.0);
  // F1 = 2tp / (2tp + fp + fn) = 6 / 8.
  EXPECT_DOUBLE_EQ(binary_f1(kLabels, kPredictions), 0.75);
  // MCC = (tp tn - fp fn) / sqrt((tp+fp)(tp+fn)(tn+fp)(tn+fn)) = (9 - 1) / sqrt(4^4) = 0.5.
  EXPECT_DOUBLE_EQ(matthews_corrcoef(kLabels, kPredictions), 0.5);
  const ConfusionMatrix matrix = confusion_matrix(kLabels, kPredictions);
  EXPECT_EQ(matrix.count(1, 1), 3);
  EXPECT_EQ(matrix.count(1, 0), 1);
  EXPECT_EQ(matrix.count(0, 1), 1);
  EXPECT_EQ(matrix.count(0, 0), 3);
  // F1 of class 0: tp = 3, fp = 1, fn = 1.
  EXPECT_DOUBLE_EQ(matrix.f1(0), 0.75);
}

TEST(ClassificationMetrics, HandWorkedMultiClassMatthews) {
  // labels 0 1 2 0 1 2, predictions 0 2 1 0 0 2: correct = 3, n = 6,
  // label totals (2, 2, 2), prediction totals (3, 1, 2).
  // cov = 3*6 - (2*3 + 2*1 + 2*2) = 6; label var = 36 - 12 = 24; prediction var = 36 - 14 = 22.
  const std::vector<int> labels = {0, 1, 2, 0, 1, 2};
  const std::vector<int> predictions = {0, 2, 1, 0, 0, 2};
  EXPECT_DOUBLE_EQ(matthews_corrcoef(labels, predictions), 6.0 / std::sqrt(24.0 * 22.0));
  EXPECT_DOUBLE_EQ(accuracy(labels, predictions), 0.5);
}

TEST(ClassificationMetrics, DegenerateCasesGiveScikitLearnValues) {
  // All one class, all right: accuracy 1, F1 1, MCC undefined -> 0.
  EXPECT_DOUBLE_EQ(accuracy({1, 1, 1}, {1, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(binary_f1({1, 1, 1}, {1, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(matthews_corrcoef({1, 1, 1}, {1, 1, 1}), 0.0);
  // Constant predictions: no true positive, MCC 0.
  EXPECT_DOUBLE_EQ(accuracy({0, 1, 0, 1}, {0, 0, 0, 0}), 0.5);
  EXPECT_DOUBLE_EQ(binary_f1({0, 1, 0, 1}, {0, 0, 0, 0}), 0.0);
  EXPECT_DOUBLE_EQ(matthews_corrcoef({0, 1, 0, 1}, {0, 0, 0, 0}), 0.0);
  EXPECT_DOUBLE_EQ(matthews_corrcoef({0, 1, 0, 1}, {1, 1, 1, 1}), 0.0);
  // No positive label and no positive prediction: F1 is 0/0 -> 0.
  EXPECT_DOUBLE_EQ(binary_f1({0, 0}, {0, 0}), 0.0);
  // Perfectly wrong: MCC -1.
  EXPECT_DOUBLE_EQ(matthews_corrcoef({0, 1, 0, 1}, {1, 0, 1, 0}), -1.0);
  // Nothing at all.
  EXPECT_DOUBLE_EQ(accuracy({}, {}), 0.0);
  EXPECT_DOUBLE_EQ(matthews_corrcoef({}, {}), 0.0);
}

TEST(ClassificationMetrics, ConfusionCountsAddUpAcrossShards) {
  // Two "ranks" holding halves of the data, reduced as raw counts: same metrics as the whole.
  ConfusionMatrix first(2), second(2);
  first.add({1, 1, 1, 0}, {1, 0, 1, 0});
  second.add({0, 0, 1, 0}, {1, 0, 1, 0});
  std::vector<int64_t> summed = first.counts();
  for (size_t i = 0; i < summed.size(); ++i) summed[i] += second.counts()[i];
  const ConfusionMatrix reduced = ConfusionMatrix::from_counts(2, summed);
  first += second;
  EXPECT_EQ(first.counts(), reduced.counts());
  EXPECT_DOUBLE_EQ(reduced.matthews_corrcoef(), matthews_corrcoef(kLabels, kPredictions));
  EXPECT_DOUBLE_EQ(reduced.f1(1), binary_f1(kLabels, kPredictions));
  EXPECT_EQ(reduced.total(), 8);
}

TEST(ClassificationMetrics, BadInputIsAnError) {
  EXPECT_THROW(accuracy({0, 1}, {0}), Error);
  EXPECT_THROW(accuracy({-1}, {0}), Error);
  ConfusionMatrix matrix(2);
  EXPECT_THROW(matrix.add(2, 0), Error);
  EXPECT_THROW(matrix += ConfusionMatrix(3), Error);
  EXPECT_THROW(ConfusionMatrix::from_counts(2, {1, 2, 3}), Error);
  EXPECT_THROW(ConfusionMatrix::from_counts(2, {1, 2, 3, -4}), Error);
  EXPECT_THROW(matrix.f1(2), Error);
  EXPECT_THROW(ConfusionMatrix(0), Error);
}

TEST(TopKAccuracy, HandWorkedCaseWithTies) {
  const std::vector<float> scores = {
      0.1f, 0.7f, 0.2f,  // label 2: second best
      0.5f, 0.5f, 0.0f,  // label 1: tied with class 0, which sorts first
      0.3f, 0.3f, 0.9f,  // label 2: best
  };
  const std::vector<int> labels = {2, 1, 2};
  EXPECT_DOUBLE_EQ(top_k_accuracy(scores, 3, labels, 1), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(top_k_accuracy(scores, 3, labels, 2), 1.0);
  EXPECT_DOUBLE_EQ(top_k_accuracy(scores, 3, labels, 5), 1.0);
  TopKCount count = top_k_count(scores, 3, labels, 1);
  EXPECT_EQ(count.correct, 1);
  EXPECT_EQ(count.total, 3);
  count += top_k_count({0.0f, 1.0f, 0.0f}, 3, {1}, 1);
  EXPECT_EQ(count.correct, 2);
  EXPECT_EQ(count.total, 4);
}

TEST(TopKAccuracy, NanScoreIsAMissAndBadShapesAreErrors) {
  EXPECT_DOUBLE_EQ(top_k_accuracy({std::nanf(""), 0.0f}, 2, {0}, 2), 0.0);
  EXPECT_THROW(top_k_accuracy({0.0f, 1.0f, 2.0f}, 2, {0}, 1), Error);
  EXPECT_THROW(top_k_accuracy({0.0f, 1.0f}, 2, {2}, 1), Error);
  EXPECT_THROW(top_k_accuracy({0.0f, 1.0f}, 2, {0}, 0), Error);
}

}  // namespace
}  // namespace ptk::metrics
