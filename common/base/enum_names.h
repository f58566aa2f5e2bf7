// The names of an enum's values, declared once as a table that both directions read: printing
// a value and parsing a name (with an error that lists every valid name). Replaces a switch per
// enum for to_string and a chain of comparisons per parser.
//
//   constexpr EnumName<Resampling> kResamplingNames[] = {
//       {Resampling::kNatural, "natural"}, {Resampling::kSquareRoot, "sqrt"}};
//   const char* to_string(Resampling mode) { return name_of(kResamplingNames, mode); }
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/error.h"

namespace ptk {

template <class Enum>
struct EnumName {
  Enum value;
  const char* name;
};

// The name of `value`; "?" for a value the table lacks (a cast integer).
template <class Enum, size_t N>
const char* name_of(const EnumName<Enum> (&names)[N], Enum value) {
  for (const EnumName<Enum>& entry : names) {
    if (entry.value == value) return entry.name;
  }
  return "?";
}

// The value named `name`, if any (an enum may list several names for one value; the first is
// the one name_of prints).
template <class Enum, size_t N>
std::optional<Enum> find_value(const EnumName<Enum> (&names)[N], std::string_view name) {
  for (const EnumName<Enum>& entry : names) {
    if (name == entry.name) return entry.value;
  }
  return std::nullopt;
}

// "a, b or c": the printed names, for messages.
template <class Enum, size_t N>
std::string list_names(const EnumName<Enum> (&names)[N]) {
  std::vector<const char*> printed;  // aliases left out
  for (const EnumName<Enum>& entry : names) {
    if (name_of(names, entry.value) == entry.name) printed.push_back(entry.name);
  }
  std::string list;
  for (size_t i = 0; i < printed.size(); ++i) {
    if (i > 0) list += (i + 1 == printed.size() ? " or " : ", ");
    list += printed[i];
  }
  return list;
}

// The value named `name`; otherwise a ptk::usage_error "unknown <what> '<name>' (expected a, b
// or c)".
template <class Enum, size_t N>
Enum parse_name(const EnumName<Enum> (&names)[N], const std::string& name, const char* what) {
  if (std::optional<Enum> value = find_value(names, name)) return *value;
  throw usage_error("unknown {} '{}' (expected {})", what, name, list_names(names));
}

}  // namespace ptk
