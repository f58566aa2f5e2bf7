// Text cut into lines, and a line cut into fields at every separator: n separators give n + 1
// fields, empty ones kept ("a\t\tb" is "a", "", "b"), as the TSV and list fields of the readers
// need.
#pragma once

#include <cstdint>
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

// Calls fn(line_number, offset, line) for every line of `text`: numbered from 1, cut at '\n'
// (the last line may lack one), a trailing '\r' dropped; `offset` is where the line starts.
template <typename Fn>
void for_each_line(std::string_view text, Fn fn) {
  uint64_t number = 0;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    fn(++number, begin, line);
    begin = end + 1;
  }
}

}  // namespace ptk
