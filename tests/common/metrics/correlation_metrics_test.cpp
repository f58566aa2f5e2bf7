#include "common/metrics/correlation_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/base/error.h"

namespace ptk::metrics {
namespace {

TEST(CorrelationMetrics, HandWorkedPearson) {
  // x - mean = (-1.5, -0.5, 0.5, 1.5), y - mean = (-3, -1, 0, 4):
  // sum dx dy = 11, sum dx^2 = 5, sum dy^2 = 26, r = 11 / sqrt(130).
  EXPECT_NEAR(pearson({1, 2, 3, 4}, {2, 4, 5, 9}), 11.0 / std::sqrt(130.0), 1e-15);
  EXPECT_NEAR(pearson({1, 2, 3}, {-2, -4, -6}), -1.0, 1e-15);
}

TEST(CorrelationMetrics, SpearmanAveragesTiedRanks) {
  // Ranks of (1, 2, 2, 3) are (1, 2.5, 2.5, 4); of (10, 20, 30, 40) are (1, 2, 3, 4).
  // Centred: (-1.5, 0, 0, 1.5) and (-1.5, -0.5, 0.5, 1.5): 4.5 / sqrt(4.5 * 5) = sqrt(0.9).
  EXPECT_EQ(average_ranks({1, 2, 2, 3}), (std::vector<double>{1, 2.5, 2.5, 4}));
  EXPECT_EQ(average_ranks({5, 5, 5}), (std::vector<double>{2, 2, 2}));
  EXPECT_EQ(average_ranks({3, 1, 2}), (std::vector<double>{3, 1, 2}));
  EXPECT_NEAR(spearman({1, 2, 2, 3}, {10, 20, 30, 40}), std::sqrt(0.9), 1e-15);
  // Monotonic but not linear: rho = 1.
  EXPECT_NEAR(spearman({1, 2, 3, 4}, {1, 8, 27, 1000}), 1.0, 1e-15);
}

TEST(CorrelationMetrics, UndefinedCasesAreNanLikeScipy) {
  EXPECT_TRUE(std::isnan(pearson({1, 1, 1}, {1, 2, 3})));  // constant input
  EXPECT_TRUE(std::isnan(pearson({1, 2, 3}, {4, 4, 4})));
  EXPECT_TRUE(std::isnan(spearman({2, 2}, {1, 2})));
  EXPECT_TRUE(std::isnan(pearson({1}, {2})));  // fewer than two values
  EXPECT_TRUE(std::isnan(pearson({}, {})));
  EXPECT_TRUE(std::isnan(spearman({1, NAN, 3}, {1, 2, 3})));
}

TEST(CorrelationMetrics, BadInputIsAnError) {
  EXPECT_THROW(pearson({1, 2}, {1}), Error);
  EXPECT_THROW(spearman({1, 2}, {1, 2, 3}), Error);
  EXPECT_THROW(average_ranks({1, NAN}), Error);
}

}  // namespace
}  // namespace ptk::metrics
