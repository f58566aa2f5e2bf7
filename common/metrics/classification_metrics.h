// Classification metrics: accuracy, binary F1, Matthews correlation, top-k accuracy. They are
// computed from counts (a ConfusionMatrix, a TopKCount) that add up exactly, so batches and
// ranks are reduced as raw sums and the metric is taken once at the end, never averaged.
// Undefined values follow scikit-learn: F1 and MCC are 0 when their denominator is 0.
#pragma once

#include <cstdint>
#include <vector>

namespace ptk::metrics {

// Counts of (label, prediction) pairs over `num_classes` classes, row-major [label][prediction].
class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int num_classes);
  // Rebuilds a matrix from counts() (e.g. after summing them across ranks). Throws ptk::Error
  // when the size is not num_classes^2 or a count is negative.
  static ConfusionMatrix from_counts(int num_classes, std::vector<int64_t> counts);

  // Throws ptk::Error when a class id is outside [0, num_classes).
  void add(int label, int prediction);
  // Throws ptk::Error when the lengths differ.
  void add(const std::vector<int>& labels, const std::vector<int>& predictions);
  // Throws ptk::Error when the class counts differ.
  ConfusionMatrix& operator+=(const ConfusionMatrix& other);

  int num_classes() const { return num_classes_; }
  int64_t count(int label, int prediction) const;
  int64_t total() const;
  const std::vector<int64_t>& counts() const { return counts_; }

  double accuracy() const;  // 0 when empty
  // F1 of `positive_class` against the rest: 2tp / (2tp + fp + fn), 0 when that is 0/0.
  double f1(int positive_class = 1) const;
  // Gorodkin's multi-class MCC (sklearn's matthews_corrcoef); for two classes it is the phi
  // coefficient. 0 when labels or predictions are all one class.
  double matthews_corrcoef() const;

 private:
  int num_classes_;
  std::vector<int64_t> counts_;
};

// Convenience forms over label/prediction vectors; the class count is the largest id + 1 (2 at
// least). Negative ids and length mismatches throw ptk::Error.
ConfusionMatrix confusion_matrix(const std::vector<int>& labels,
                                 const std::vector<int>& predictions);
double accuracy(const std::vector<int>& labels, const std::vector<int>& predictions);
double binary_f1(const std::vector<int>& labels, const std::vector<int>& predictions);
double matthews_corrcoef(const std::vector<int>& labels, const std::vector<int>& predictions);

// How many of `total` samples had their label among the k best scores; adds up across ranks.
struct TopKCount {
  int64_t correct = 0;
  int64_t total = 0;
  TopKCount& operator+=(const TopKCount& other);
  double accuracy() const { return total > 0 ? static_cast<double>(correct) / total : 0.0; }
};

// `scores` is row-major [labels.size() x num_classes]. A sample is correct when its label is
// among the first k classes of a stable sort by descending score, so a tie goes to the lower
// class id (deterministic, unlike an unstable top-k); a NaN label score is a miss. Throws
// ptk::Error on a shape mismatch, k < 1 or a label outside [0, num_classes).
TopKCount top_k_count(const std::vector<float>& scores, int num_classes,
                      const std::vector<int>& labels, int k);
double top_k_accuracy(const std::vector<float>& scores, int num_classes,
                      const std::vector<int>& labels, int k);

}  // namespace ptk::metrics
