// FAISS search of the nearest reference vector, exact and approximate.
#include "vision/dedup/nearest_images.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace ptk::vision {
namespace {

std::vector<float> unit_rows(int rows, int dim, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> values(static_cast<size_t>(rows) * dim);
  for (int r = 0; r < rows; ++r) {
    double squares = 0;
    for (int c = 0; c < dim; ++c) {
      values[r * dim + c] = normal(rng);
      squares += values[r * dim + c] * values[r * dim + c];
    }
    for (int c = 0; c < dim; ++c) values[r * dim + c] /= static_cast<float>(std::sqrt(squares));
  }
  return values;
}

// Each query is a reference row plus a little noise: its nearest reference is that row.
void expect_finds_the_perturbed_rows(int64_t approximate_above) {
  constexpr int kDim = 63, kRows = 2000;
  const std::vector<float> references = unit_rows(kRows, kDim, 1);
  const NearestImages index(kDim, references, approximate_above);
  EXPECT_EQ(index.size(), kRows);
  std::vector<float> queries;
  const std::vector<float> noise = unit_rows(100, kDim, 2);
  for (int q = 0; q < 100; ++q) {
    const int row = q * 17;
    for (int c = 0; c < kDim; ++c) {
      queries.push_back(references[row * kDim + c] + 0.1f * noise[q * kDim + c]);
    }
  }
  const std::vector<Nearest> nearest = index.search(queries);
  ASSERT_EQ(nearest.size(), 100u);
  int found = 0;
  for (int q = 0; q < 100; ++q) {
    found += nearest[q].index == q * 17;
    EXPECT_GT(nearest[q].similarity, 0.9f);
  }
  // The IVF index probes a tenth of its lists, so it may miss the odd one.
  EXPECT_GE(found, index.exact() ? 100 : 95);
}

TEST(NearestImages, ExactSearchFindsEveryNearestReference) {
  expect_finds_the_perturbed_rows(/*approximate_above=*/1000000);
}

TEST(NearestImages, ApproximateSearchAboveTheLimitStillFindsThem) {
  expect_finds_the_perturbed_rows(/*approximate_above=*/100);
}

TEST(NearestImages, NoReferencesFindNothing) {
  const NearestImages index(4, {}, 10);
  const std::vector<Nearest> nearest = index.search({1, 0, 0, 0});
  ASSERT_EQ(nearest.size(), 1u);
  EXPECT_EQ(nearest[0].index, -1);
}

}  // namespace
}  // namespace ptk::vision
