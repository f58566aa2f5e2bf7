// Training targets from an image's class ids, as plain row-major floats (no LibTorch), so a
// collate step can copy them into a tensor: the paper's k-hot / k soft target for softmax
// cross-entropy, or a plain k-hot for the per-class sigmoid option. Duplicate ids count once;
// an image with no id gives an all-zero row. Pure functions; deterministic.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ptk::vision {

enum class TargetKind {
  kSoftKHot,  // 1/k on each of the k classes (sums to 1): softmax cross-entropy
  kKHot,      // 1 on each class: binary cross-entropy per class (sigmoid)
};

// "softmax" (soft k-hot) or "sigmoid" (k-hot); otherwise a usage Error.
TargetKind parse_target_kind(const std::string& name);
const char* to_string(TargetKind kind);

// Writes one row of `num_classes` floats to `out`. An id outside [0, num_classes) is an Error.
void fill_target(const int32_t* ids, size_t count, size_t num_classes, TargetKind kind, float* out);

// Rows for a batch: labels.size() x num_classes, row-major.
std::vector<float> make_targets(const std::vector<std::vector<int32_t>>& labels, size_t num_classes,
                                TargetKind kind);

}  // namespace ptk::vision
