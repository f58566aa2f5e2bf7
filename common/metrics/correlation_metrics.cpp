#include "common/metrics/correlation_metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>

#include "common/base/error.h"

namespace ptk::metrics {
namespace {

void check_same_length(const std::vector<double>& x, const std::vector<double>& y,
                       const char* what) {
  fail_if(x.size() != y.size(), "{}: inputs of different lengths ({} and {})", what, x.size(),
          y.size());
}

double mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return sum / static_cast<double>(values.size());
}

bool has_nan(const std::vector<double>& values) {
  return std::any_of(values.begin(), values.end(), [](double v) { return std::isnan(v); });
}

}  // namespace

double pearson(const std::vector<double>& x, const std::vector<double>& y) {
  check_same_length(x, y, "Pearson correlation");
  constexpr double kUndefined = std::numeric_limits<double>::quiet_NaN();
  if (x.size() < 2) return kUndefined;
  // Two passes (centre, then multiply): the one-pass sum-of-products form loses digits when
  // the mean is large against the spread.
  const double mean_x = mean(x), mean_y = mean(y);
  double xy = 0, xx = 0, yy = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - mean_x, dy = y[i] - mean_y;
    xy += dx * dy;
    xx += dx * dx;
    yy += dy * dy;
  }
  if (xx == 0 || yy == 0) return kUndefined;
  return std::clamp(xy / (std::sqrt(xx) * std::sqrt(yy)), -1.0, 1.0);
}

std::vector<double> average_ranks(const std::vector<double>& values) {
  // NaN has no place in an order (and would break the sort's contract).
  fail_if(has_nan(values), "ranks: the values contain NaN");
  std::vector<size_t> order(values.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> ranks(values.size());
  for (size_t start = 0; start < order.size();) {
    size_t end = start + 1;
    while (end < order.size() && values[order[end]] == values[order[start]]) ++end;
    // Positions start..end-1 hold equal values: ranks start+1..end, whose mean is this.
    const double rank = 0.5 * static_cast<double>(start + 1 + end);
    for (size_t i = start; i < end; ++i) ranks[order[i]] = rank;
    start = end;
  }
  return ranks;
}

double spearman(const std::vector<double>& x, const std::vector<double>& y) {
  check_same_length(x, y, "Spearman correlation");
  if (has_nan(x) || has_nan(y)) return std::numeric_limits<double>::quiet_NaN();
  return pearson(average_ranks(x), average_ranks(y));
}

}  // namespace ptk::metrics
