#include "common/metrics/classification_metrics.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/base/error.h"

namespace ptk::metrics {
namespace {

void check_same_length(size_t labels, size_t predictions, const char* what) {
  fail_if(labels != predictions, "{}: {} labels but {} predictions", what, labels, predictions);
}

}  // namespace

ConfusionMatrix::ConfusionMatrix(int num_classes) : num_classes_(num_classes) {
  fail_if(num_classes < 1, "confusion matrix: num_classes must be >= 1, got {}", num_classes);
  counts_.assign(static_cast<size_t>(num_classes) * num_classes, 0);
}

ConfusionMatrix ConfusionMatrix::from_counts(int num_classes, std::vector<int64_t> counts) {
  ConfusionMatrix matrix(num_classes);
  fail_if(counts.size() != matrix.counts_.size(),
          "confusion matrix: {} counts for {} classes (expected {})", counts.size(), num_classes,
          matrix.counts_.size());
  fail_if(std::any_of(counts.begin(), counts.end(), [](int64_t c) { return c < 0; }),
          "confusion matrix: negative count");
  matrix.counts_ = std::move(counts);
  return matrix;
}

void ConfusionMatrix::add(int label, int prediction) {
  if (label < 0 || label >= num_classes_ || prediction < 0 || prediction >= num_classes_) {
    throw error("confusion matrix: class ids must be in [0, {}), got label {} and prediction {}",
                num_classes_, label, prediction);
  }
  ++counts_[static_cast<size_t>(label) * num_classes_ + prediction];
}

void ConfusionMatrix::add(const std::vector<int>& labels, const std::vector<int>& predictions) {
  check_same_length(labels.size(), predictions.size(), "confusion matrix");
  for (size_t i = 0; i < labels.size(); ++i) add(labels[i], predictions[i]);
}

ConfusionMatrix& ConfusionMatrix::operator+=(const ConfusionMatrix& other) {
  fail_if(other.num_classes_ != num_classes_,
          "confusion matrix: cannot add a {}-class matrix to a {}-class one", other.num_classes_,
          num_classes_);
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  return *this;
}

int64_t ConfusionMatrix::count(int label, int prediction) const {
  return counts_.at(static_cast<size_t>(label) * num_classes_ + prediction);
}

int64_t ConfusionMatrix::total() const {
  int64_t sum = 0;
  for (int64_t c : counts_) sum += c;
  return sum;
}

double ConfusionMatrix::accuracy() const {
  const int64_t n = total();
  int64_t correct = 0;
  for (int c = 0; c < num_classes_; ++c) correct += count(c, c);
  return n > 0 ? static_cast<double>(correct) / static_cast<double>(n) : 0.0;
}

double ConfusionMatrix::f1(int positive_class) const {
  fail_if(positive_class < 0 || positive_class >= num_classes_,
          "F1: positive class {} is not in [0, {})", positive_class, num_classes_);
  const int64_t tp = count(positive_class, positive_class);
  int64_t predicted = 0, actual = 0;
  for (int c = 0; c < num_classes_; ++c) {
    predicted += count(c, positive_class);
    actual += count(positive_class, c);
  }
  // 2tp + fp + fn == predicted + actual.
  const int64_t denominator = predicted + actual;
  return denominator > 0 ? 2.0 * static_cast<double>(tp) / static_cast<double>(denominator) : 0.0;
}

double ConfusionMatrix::matthews_corrcoef() const {
  // Doubles: n^2 overflows int64 from ~3e9 samples, and every count below 2^53 is exact.
  std::vector<double> label_totals(num_classes_, 0.0), prediction_totals(num_classes_, 0.0);
  double correct = 0;
  for (int t = 0; t < num_classes_; ++t) {
    for (int p = 0; p < num_classes_; ++p) {
      const double c = static_cast<double>(count(t, p));
      label_totals[t] += c;
      prediction_totals[p] += c;
      if (t == p) correct += c;
    }
  }
  double n = 0, label_dot_prediction = 0, label_squares = 0, prediction_squares = 0;
  for (int c = 0; c < num_classes_; ++c) {
    n += label_totals[c];
    label_dot_prediction += label_totals[c] * prediction_totals[c];
    label_squares += label_totals[c] * label_totals[c];
    prediction_squares += prediction_totals[c] * prediction_totals[c];
  }
  const double covariance = correct * n - label_dot_prediction;
  const double label_variance = n * n - label_squares;
  const double prediction_variance = n * n - prediction_squares;
  if (label_variance * prediction_variance == 0) return 0.0;
  return covariance / std::sqrt(label_variance * prediction_variance);
}

ConfusionMatrix confusion_matrix(const std::vector<int>& labels,
                                 const std::vector<int>& predictions) {
  check_same_length(labels.size(), predictions.size(), "confusion matrix");
  int largest = 1;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] < 0 || predictions[i] < 0) {
      throw error("confusion matrix: negative class id at position {} (label {}, prediction {})", i,
                  labels[i], predictions[i]);
    }
    largest = std::max({largest, labels[i], predictions[i]});
  }
  ConfusionMatrix matrix(largest + 1);
  matrix.add(labels, predictions);
  return matrix;
}

double accuracy(const std::vector<int>& labels, const std::vector<int>& predictions) {
  return confusion_matrix(labels, predictions).accuracy();
}

double binary_f1(const std::vector<int>& labels, const std::vector<int>& predictions) {
  return confusion_matrix(labels, predictions).f1(1);
}

double matthews_corrcoef(const std::vector<int>& labels, const std::vector<int>& predictions) {
  return confusion_matrix(labels, predictions).matthews_corrcoef();
}

TopKCount& TopKCount::operator+=(const TopKCount& other) {
  correct += other.correct;
  total += other.total;
  return *this;
}

TopKCount top_k_count(const std::vector<float>& scores, int num_classes,
                      const std::vector<int>& labels, int k) {
  fail_if(num_classes < 1 || k < 1, "top-k accuracy: num_classes and k must be >= 1, got {} and {}",
          num_classes, k);
  fail_if(scores.size() != labels.size() * static_cast<size_t>(num_classes),
          "top-k accuracy: {} scores for {} samples x {} classes", scores.size(), labels.size(),
          num_classes);
  TopKCount result;
  for (size_t i = 0; i < labels.size(); ++i) {
    const int label = labels[i];
    if (label < 0 || label >= num_classes) {
      throw error("top-k accuracy: label {} of sample {} is not in [0, {})", label, i, num_classes);
    }
    const float* row = scores.data() + i * num_classes;
    // The label's rank in a stable descending sort: better scores, and equal scores of
    // lower class ids, come first.
    int rank = std::isnan(row[label]) ? k : 0;  // a NaN score never counts as a hit
    for (int c = 0; c < num_classes; ++c) {
      if (row[c] > row[label] || (row[c] == row[label] && c < label)) ++rank;
    }
    if (rank < k) ++result.correct;
    ++result.total;
  }
  return result;
}

double top_k_accuracy(const std::vector<float>& scores, int num_classes,
                      const std::vector<int>& labels, int k) {
  return top_k_count(scores, num_classes, labels, k).accuracy();
}

}  // namespace ptk::metrics
