#include "common/data/philox.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace ptk::data {
namespace {

// Random123's known-answer vectors for philox4x32-10 (its kat_vectors file).
TEST(Philox, MatchesRandom123KnownAnswers) {
  EXPECT_EQ(philox4x32_10({0, 0, 0, 0}, {0, 0}),
            (PhiloxCounter{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}));
  EXPECT_EQ(
      philox4x32_10({0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, {0xffffffff, 0xffffffff}),
      (PhiloxCounter{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}));
  EXPECT_EQ(
      philox4x32_10({0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, {0xa4093822, 0x299f31d0}),
      (PhiloxCounter{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}));
}

TEST(SampleRng, StreamIsAFunctionOfSeedEpochAndSample) {
  SampleRng a(42, 3, 1000);
  SampleRng b(42, 3, 1000);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.next_u32(), b.next_u32());
  // The first block is Philox of counter (0, epoch, index lo, index hi) under key seed.
  SampleRng c(0x0000000200000001ull, 5, 0x0000000400000003ull);
  const PhiloxCounter block = philox4x32_10({0, 5, 3, 4}, {1, 2});
  for (uint32_t word : block) EXPECT_EQ(c.next_u32(), word);
}

TEST(SampleRng, DifferentKeysGiveDifferentStreams) {
  std::set<uint64_t> firsts;
  for (uint64_t seed = 0; seed < 4; ++seed) {
    for (uint64_t epoch = 0; epoch < 4; ++epoch) {
      for (uint64_t index = 0; index < 4; ++index) {
        firsts.insert(SampleRng(seed, epoch, index).next_u64());
      }
    }
  }
  EXPECT_EQ(firsts.size(), 64u);
}

TEST(SampleRng, UniformAndIntegerDrawsStayInRangeAndAreBalanced) {
  SampleRng rng(7, 0, 0);
  double sum = 0;
  std::vector<int> counts(10, 0);
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const float u = rng.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    sum += u;
    const uint64_t k = rng.uniform_int(10);
    ASSERT_LT(k, 10u);
    ++counts[k];
    const float v = rng.uniform(-2.0f, 3.0f);
    ASSERT_GE(v, -2.0f);
    ASSERT_LT(v, 3.0f);
  }
  EXPECT_NEAR(sum / n, 0.5, 0.01);
  for (int c : counts) EXPECT_NEAR(c, n / 10, 600);
}

TEST(SampleRng, NormalHasZeroMeanAndUnitVariance) {
  SampleRng rng(11, 2, 9);
  double sum = 0;
  double sum_sq = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double x = rng.normal();
    ASSERT_TRUE(std::isfinite(x));
    sum += x;
    sum_sq += x * x;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.02);
  EXPECT_NEAR(sum_sq / n, 1.0, 0.03);
}

}  // namespace
}  // namespace ptk::data
