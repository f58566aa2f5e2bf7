#include "vision/hashtags/resampling.h"

#include <gtest/gtest.h>

#include <cmath>

#include "common/base/error.h"
#include "common/data/epoch_order.h"

namespace ptk::vision {
namespace {

TEST(Resampling, WeightIsTheMeanOfCountPowersScaledToMeanOne) {
  // counts: class 0 in 4 images, class 1 in 1 image.
  const std::vector<std::vector<int32_t>> labels = {{0}, {0}, {0}, {0, 1}};
  const auto counts = class_counts(labels, 2);
  EXPECT_EQ(counts, (std::vector<uint64_t>{4, 1}));

  const auto natural = resampling_weights(labels, counts, Resampling::kNatural);
  EXPECT_EQ(natural, (std::vector<double>{1, 1, 1, 1}));

  // sqrt: raw 1/2, 1/2, 1/2, (1/2 + 1)/2 = 3/4; sum 9/4; scaled by 4 / (9/4) = 16/9.
  const auto sqrt_w = resampling_weights(labels, counts, Resampling::kSquareRoot);
  for (int i = 0; i < 3; ++i) EXPECT_DOUBLE_EQ(sqrt_w[i], 0.5 * 16.0 / 9.0);
  EXPECT_DOUBLE_EQ(sqrt_w[3], 0.75 * 16.0 / 9.0);

  // uniform: raw 1/4, 1/4, 1/4, (1/4 + 1)/2 = 5/8; sum 11/8; scaled by 32/11.
  const auto uniform = resampling_weights(labels, counts, Resampling::kUniform);
  EXPECT_DOUBLE_EQ(uniform[0], 0.25 * 32.0 / 11.0);
  EXPECT_DOUBLE_EQ(uniform[3], 0.625 * 32.0 / 11.0);
}

TEST(Resampling, ImagesWithoutClassGetZeroAndBadIdsAreErrors) {
  const std::vector<std::vector<int32_t>> labels = {{0}, {}, {1}};
  const auto w = resampling_weights(labels, {1, 1}, Resampling::kUniform);
  EXPECT_EQ(w[1], 0.0);
  EXPECT_DOUBLE_EQ(w[0] + w[2], 3.0);
  EXPECT_THROW(resampling_weights({{2}}, {1, 1}, Resampling::kUniform), Error);
  EXPECT_THROW(resampling_weights({{1}}, {1, 0}, Resampling::kUniform), Error);
  EXPECT_THROW(class_counts({{-1}}, 2), Error);
}

TEST(Resampling, ParsesItsNames) {
  EXPECT_EQ(parse_resampling("sqrt"), Resampling::kSquareRoot);
  EXPECT_EQ(parse_resampling("square_root"), Resampling::kSquareRoot);
  EXPECT_EQ(parse_resampling("natural"), Resampling::kNatural);
  EXPECT_EQ(parse_resampling("uniform"), Resampling::kUniform);
  EXPECT_THROW(parse_resampling("log"), Error);
}

// A long-tailed single-class data set (counts 1600, 400, 100, 25) plus a few two-class
// images, drawn through the data layer's weighted epoch order.
class ResamplingDraws : public ::testing::TestWithParam<Resampling> {};

TEST_P(ResamplingDraws, DrawnHashtagFrequenciesMatchTheModeForSingleClassImages) {
  const std::vector<uint64_t> per_class = {1600, 400, 100, 25};
  std::vector<std::vector<int32_t>> labels;
  for (size_t c = 0; c < per_class.size(); ++c) {
    for (uint64_t i = 0; i < per_class[c]; ++i) labels.push_back({static_cast<int32_t>(c)});
  }
  const size_t num_classes = per_class.size();
  const auto counts = class_counts(labels, num_classes);
  const auto weights = resampling_weights(labels, counts, GetParam());

  // What the paper's modes mean for single-class images: class c is drawn with probability
  // proportional to n_c (natural), sqrt(n_c) (square-root), 1 (uniform).
  const double p = resampling_exponent(GetParam());
  std::vector<double> closed_form(num_classes);
  double total = 0;
  for (size_t c = 0; c < num_classes; ++c) {
    closed_form[c] = std::pow(static_cast<double>(per_class[c]), 1.0 - p);
    total += closed_form[c];
  }
  for (double& f : closed_form) f /= total;
  const auto expected = expected_class_frequencies(labels, weights, num_classes);
  for (size_t c = 0; c < num_classes; ++c) EXPECT_NEAR(expected[c], closed_form[c], 1e-12);

  const uint64_t draws = 200000;
  const auto order = data::EpochOrder::weighted(weights, 1234, draws);
  std::vector<uint64_t> seen(num_classes, 0);
  for (uint64_t epoch = 0; epoch < 1; ++epoch) {
    for (uint64_t pos = 0; pos < draws; ++pos) {
      for (int32_t c : labels[order.sample_at(epoch, pos)]) ++seen[static_cast<size_t>(c)];
    }
  }
  for (size_t c = 0; c < num_classes; ++c) {
    const double f = static_cast<double>(seen[c]) / draws;
    const double sigma = std::sqrt(closed_form[c] * (1 - closed_form[c]) / draws);
    EXPECT_NEAR(f, closed_form[c], 5 * sigma)
        << "class " << c << " (" << per_class[c] << " images), mode " << to_string(GetParam());
  }
}

TEST_P(ResamplingDraws, DrawnFrequenciesMatchExpectedWithMultiClassImages) {
  std::vector<std::vector<int32_t>> labels;
  for (int i = 0; i < 900; ++i) labels.push_back({0});
  for (int i = 0; i < 90; ++i) labels.push_back({0, 1});
  for (int i = 0; i < 30; ++i) labels.push_back({1, 2});
  for (int i = 0; i < 10; ++i) labels.push_back({2});
  const auto counts = class_counts(labels, 3);
  const auto weights = resampling_weights(labels, counts, GetParam());
  const auto expected = expected_class_frequencies(labels, weights, 3);

  const uint64_t draws = 200000;
  const auto order = data::EpochOrder::weighted(weights, 99, draws);
  std::vector<uint64_t> seen(3, 0);
  for (uint64_t pos = 0; pos < draws; ++pos) {
    for (int32_t c : labels[order.sample_at(0, pos)]) ++seen[static_cast<size_t>(c)];
  }
  for (size_t c = 0; c < 3; ++c) {
    const double f = static_cast<double>(seen[c]) / draws;
    const double sigma = std::sqrt(expected[c] * (1 - expected[c]) / draws);
    EXPECT_NEAR(f, expected[c], 5 * sigma) << "class " << c;
  }
  // Rebalancing strength is ordered: the rare class is seen more under sqrt, most under uniform.
  if (GetParam() != Resampling::kNatural) {
    const auto natural = expected_class_frequencies(
        labels, resampling_weights(labels, counts, Resampling::kNatural), 3);
    EXPECT_GT(expected[2], natural[2]);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, ResamplingDraws,
                         ::testing::Values(Resampling::kNatural, Resampling::kSquareRoot,
                                           Resampling::kUniform),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace ptk::vision
