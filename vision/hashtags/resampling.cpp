#include "vision/hashtags/resampling.h"

#include <cmath>

#include "common/base/enum_names.h"
#include "common/base/error.h"

namespace ptk::vision {

namespace {
constexpr EnumName<Resampling> kResamplingNames[] = {{Resampling::kNatural, "natural"},
                                                     {Resampling::kSquareRoot, "sqrt"},
                                                     {Resampling::kUniform, "uniform"},
                                                     {Resampling::kSquareRoot, "square_root"}};
}  // namespace

Resampling parse_resampling(const std::string& name) {
  return parse_name(kResamplingNames, name, "resampling");
}

const char* to_string(Resampling mode) { return name_of(kResamplingNames, mode); }

double resampling_exponent(Resampling mode) {
  switch (mode) {
    case Resampling::kNatural:
      return 0.0;
    case Resampling::kSquareRoot:
      return 0.5;
    case Resampling::kUniform:
      return 1.0;
  }
  return 0.0;
}

std::vector<uint64_t> class_counts(const std::vector<std::vector<int32_t>>& labels,
                                   size_t num_classes) {
  std::vector<uint64_t> counts(num_classes, 0);
  for (size_t i = 0; i < labels.size(); ++i) {
    for (int32_t c : labels[i]) {
      if (c < 0 || static_cast<size_t>(c) >= num_classes) {
        throw error("image {} has class id {}, outside [0, {})", i, c, num_classes);
      }
      ++counts[static_cast<size_t>(c)];
    }
  }
  return counts;
}

std::vector<double> class_weights(const std::vector<uint64_t>& counts, Resampling mode) {
  const double p = resampling_exponent(mode);
  std::vector<double> weights(counts.size(), 0.0);
  for (size_t c = 0; c < counts.size(); ++c) {
    if (counts[c] > 0) weights[c] = std::pow(static_cast<double>(counts[c]), -p);
  }
  return weights;
}

std::vector<double> resampling_weights(const std::vector<std::vector<int32_t>>& labels,
                                       const std::vector<uint64_t>& counts, Resampling mode) {
  const std::vector<double> class_weight = class_weights(counts, mode);
  std::vector<double> weights(labels.size(), 0.0);
  double total = 0.0;
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].empty()) continue;
    double sum = 0.0;
    for (int32_t c : labels[i]) {
      if (c < 0 || static_cast<size_t>(c) >= counts.size()) {
        throw error("resampling: image {} has class id {}, outside the vocabulary of {}", i, c,
                    counts.size());
      }
      if (counts[static_cast<size_t>(c)] == 0) {
        throw error(
            "resampling: image {} has class {} whose count is 0 (counts from another data set?)", i,
            c);
      }
      sum += class_weight[static_cast<size_t>(c)];
    }
    weights[i] = sum / static_cast<double>(labels[i].size());
    total += weights[i];
  }
  if (total > 0.0) {
    const double scale = static_cast<double>(labels.size()) / total;
    for (double& w : weights) w *= scale;
  }
  return weights;
}

std::vector<double> expected_class_frequencies(const std::vector<std::vector<int32_t>>& labels,
                                               const std::vector<double>& weights,
                                               size_t num_classes) {
  fail_if(weights.size() != labels.size(), "expected_class_frequencies: {} weights for {} images",
          weights.size(), labels.size());
  std::vector<double> frequencies(num_classes, 0.0);
  double total = 0.0;
  for (size_t i = 0; i < labels.size(); ++i) {
    total += weights[i];
    for (int32_t c : labels[i]) {
      if (c < 0 || static_cast<size_t>(c) >= num_classes) {
        throw error("image {} has class id {}, outside [0, {})", i, c, num_classes);
      }
      frequencies[static_cast<size_t>(c)] += weights[i];
    }
  }
  if (total > 0.0) {
    for (double& f : frequencies) f /= total;
  }
  return frequencies;
}

}  // namespace ptk::vision
