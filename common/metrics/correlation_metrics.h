// Correlation metrics for regression tasks (GLUE STS-B): Pearson's r and Spearman's rho with
// tied ranks averaged, matching scipy.stats.pearsonr / spearmanr. Spearman needs every pair at
// once (ranks are global), so distributed evaluation gathers the predictions, not sums.
// Undefined values follow scipy: NaN when either input is constant, has fewer than 2 values or
// contains NaN.
#pragma once

#include <vector>

namespace ptk::metrics {

// Both throw ptk::Error when the lengths differ.
double pearson(const std::vector<double>& x, const std::vector<double>& y);
double spearman(const std::vector<double>& x, const std::vector<double>& y);

// 1-based ranks, ties given the mean of the ranks they span (scipy.stats.rankdata "average").
// Throws ptk::Error when a value is NaN.
std::vector<double> average_ranks(const std::vector<double>& values);

}  // namespace ptk::metrics
