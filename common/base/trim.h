// ASCII white space (space, tab, CR, LF, FF, VT) cut from both ends of a line; the text readers'
// one notion of a blank line.
#pragma once

#include <string_view>

namespace ptk {

inline std::string_view trim(std::string_view text) {
  constexpr const char* kSpace = " \t\r\n\f\v";
  const auto begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

}  // namespace ptk
