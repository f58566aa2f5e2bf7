#include "vision/hashtags/targets.h"

#include <algorithm>

#include "common/base/enum_names.h"
#include "common/base/error.h"

namespace ptk::vision {

namespace {
constexpr EnumName<TargetKind> kTargetKindNames[] = {{TargetKind::kSoftKHot, "softmax"},
                                                     {TargetKind::kKHot, "sigmoid"}};
}  // namespace

TargetKind parse_target_kind(const std::string& name) {
  return parse_name(kTargetKindNames, name, "target kind");
}

const char* to_string(TargetKind kind) { return name_of(kTargetKindNames, kind); }

void fill_target(const int32_t* ids, size_t count, size_t num_classes, TargetKind kind,
                 float* out) {
  std::fill(out, out + num_classes, 0.0f);
  size_t distinct = 0;
  for (size_t j = 0; j < count; ++j) {
    const int32_t id = ids[j];
    if (id < 0 || static_cast<size_t>(id) >= num_classes) {
      throw error("target: class id {} is outside [0, {})", id, num_classes);
    }
    if (out[id] == 0.0f) {
      out[id] = 1.0f;
      ++distinct;
    }
  }
  if (kind == TargetKind::kSoftKHot && distinct > 1) {
    const float share = 1.0f / static_cast<float>(distinct);
    for (size_t j = 0; j < count; ++j) out[ids[j]] = share;
  }
}

std::vector<float> make_targets(const std::vector<std::vector<int32_t>>& labels, size_t num_classes,
                                TargetKind kind) {
  std::vector<float> rows(labels.size() * num_classes);
  for (size_t i = 0; i < labels.size(); ++i) {
    fill_target(labels[i].data(), labels[i].size(), num_classes, kind, &rows[i * num_classes]);
  }
  return rows;
}

}  // namespace ptk::vision
