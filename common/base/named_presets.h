// A fixed table of named presets (model sizes, architectures): its names, and a lookup whose
// error lists them. Header-only.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/base/error.h"

namespace ptk {

template <typename Preset>
using NamedPresets = std::vector<std::pair<std::string, Preset>>;

// The names in table order.
template <typename Preset>
std::vector<std::string> preset_names(const NamedPresets<Preset>& presets) {
  std::vector<std::string> names;
  for (const auto& entry : presets) names.push_back(entry.first);
  return names;
}

// The preset called `name`; otherwise a usage_error "unknown WHAT 'x'; valid names: a, b".
template <typename Preset>
const Preset& find_preset(const NamedPresets<Preset>& presets, const std::string& name,
                          const char* what) {
  std::string valid;
  for (const auto& [preset_name, preset] : presets) {
    if (preset_name == name) return preset;
    valid += (valid.empty() ? "" : ", ") + preset_name;
  }
  throw usage_error("unknown {} '{}'; valid names: {}", what, name, valid);
}

}  // namespace ptk
