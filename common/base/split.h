// A line cut into fields at every separator: n separators give n + 1 fields, empty ones kept
// ("a\t\tb" is "a", "", "b"), as the TSV and list fields of the readers need.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ptk {

// The fields as views into `text` (which must outlive them).
inline std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> fields;
  size_t begin = 0;
  while (true) {
    const size_t end = text.find(separator, begin);
    fields.push_back(text.substr(begin, end == std::string_view::npos ? end : end - begin));
    if (end == std::string_view::npos) return fields;
    begin = end + 1;
  }
}

// The same fields, copied.
inline std::vector<std::string> split_copies(std::string_view text, char separator) {
  std::vector<std::string> fields;
  for (const std::string_view field : split(text, separator)) fields.emplace_back(field);
  return fields;
}

}  // namespace ptk
