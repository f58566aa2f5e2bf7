// The middle of a benchmark's repeated measurements (the mean of the two middle ones for an even
// count): what every table in bench/RESULTS.md reports, robust to one run disturbed by other work.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace ptk::bench {

inline double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace ptk::bench
