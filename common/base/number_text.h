// Numbers as error messages show them: the shortest stream form (0.1, 1e-06, inf).
#pragma once

#include <sstream>
#include <string>

namespace ptk {

inline std::string format_double(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

}  // namespace ptk
