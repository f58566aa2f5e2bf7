#include "common/data/epoch_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <set>
#include <vector>

#include "common/base/error.h"

namespace ptk::data {
namespace {

void expect_bijection(uint64_t n, uint64_t key) {
  FeistelPermutation perm(n, key);
  std::vector<bool> seen(n, false);
  for (uint64_t i = 0; i < n; ++i) {
    const uint64_t x = perm(i);
    ASSERT_LT(x, n) << "n=" << n;
    ASSERT_FALSE(seen[x]) << "n=" << n << " value " << x << " produced twice";
    seen[x] = true;
  }
}

TEST(FeistelPermutation, IsABijectionForManySizes) {
  const std::vector<uint64_t> sizes = {1,   2,    3,    5,    7,    13,    97,   1009, 4,
                                       8,   15,   16,   17,   31,   33,    63,   65,   255,
                                       257, 1023, 1025, 4095, 4097, 65535, 65537};
  for (uint64_t n : sizes) {
    for (uint64_t key : {0ull, 1ull, 0xdeadbeefull}) expect_bijection(n, key);
  }
}

TEST(FeistelPermutation, IsABijectionForAMillion) { expect_bijection(1000000, 12345); }

TEST(FeistelPermutation, ActuallyShuffles) {
  FeistelPermutation perm(1000, 3);
  int fixed = 0;
  for (uint64_t i = 0; i < 1000; ++i) fixed += perm(i) == i;
  EXPECT_LT(fixed, 20);
}

TEST(EpochOrder, EachEpochVisitsEverySampleOnceInADifferentOrder) {
  EpochOrder order(1000, 7);
  std::vector<uint64_t> e0, e1;
  for (uint64_t p = 0; p < 1000; ++p) {
    e0.push_back(order.sample_at(0, p));
    e1.push_back(order.sample_at(1, p));
  }
  EXPECT_NE(e0, e1);
  std::sort(e0.begin(), e0.end());
  std::sort(e1.begin(), e1.end());
  for (uint64_t p = 0; p < 1000; ++p) {
    EXPECT_EQ(e0[p], p);
    EXPECT_EQ(e1[p], p);
  }
  EpochOrder other_seed(1000, 8);
  int same = 0;
  for (uint64_t p = 0; p < 1000; ++p) same += other_seed.sample_at(0, p) == order.sample_at(0, p);
  EXPECT_LT(same, 20);
}

TEST(EpochOrder, UnshuffledOrderIsTheIdentity) {
  EpochOrder order(10, 1, /*shuffle=*/false);
  for (uint64_t p = 0; p < 10; ++p) EXPECT_EQ(order.sample_at(4, p), p);
}

TEST(EpochOrder, WeightedSamplingIsDeterministicAndFollowsTheWeights) {
  const std::vector<double> weights = {1.0, 0.0, 3.0, 6.0};
  EpochOrder a = EpochOrder::weighted(weights, 5, 20000);
  EpochOrder b = EpochOrder::weighted(weights, 5, 20000);
  EXPECT_EQ(a.epoch_length(), 20000u);
  std::vector<int> counts(4, 0);
  for (uint64_t p = 0; p < 20000; ++p) {
    const uint64_t s = a.sample_at(2, p);
    ASSERT_EQ(s, b.sample_at(2, p));
    ++counts[s];
  }
  EXPECT_EQ(counts[1], 0);
  EXPECT_NEAR(counts[0] / 20000.0, 0.1, 0.015);
  EXPECT_NEAR(counts[2] / 20000.0, 0.3, 0.015);
  EXPECT_NEAR(counts[3] / 20000.0, 0.6, 0.015);
}

TEST(EpochOrder, RejectsBadWeights) {
  EXPECT_THROW(EpochOrder::weighted({0.0, 0.0}, 1, 10), Error);
  EXPECT_THROW(EpochOrder::weighted({1.0, -1.0}, 1, 10), Error);
  EXPECT_THROW(EpochOrder::weighted({}, 1, 10), Error);
}

// Four shards of sizes 3, 0, 5, 2 with record weights i + 1 inside each shard (shard 2 weighs 0).
ShardWeights four_shards(std::atomic<int>* calls = nullptr) {
  ShardWeights w;
  w.shard_sizes = {3, 0, 5, 2};
  w.record_weights = [sizes = w.shard_sizes, calls](size_t shard) {
    if (calls != nullptr) ++*calls;
    std::vector<double> out(sizes[shard]);
    for (size_t i = 0; i < out.size(); ++i) out[i] = shard == 2 ? 0.0 : static_cast<double>(i + 1);
    return out;
  };
  for (size_t s = 0; s < w.shard_sizes.size(); ++s) {
    const std::vector<double> r = w.record_weights(s);
    w.shard_totals.push_back(std::accumulate(r.begin(), r.end(), 0.0));
  }
  return w;
}

TEST(EpochOrder, TwoStepDrawsGiveEverySampleItsWeightedProbability) {
  // Samples 0-2 (weights 1, 2, 3), none, 3-7 (weight 0), 8-9 (weights 1, 2): total 9.
  const std::vector<double> expected = {1, 2, 3, 0, 0, 0, 0, 0, 1, 2};
  for (uint64_t run : {1u, 7u}) {
    const EpochOrder a = EpochOrder::by_shard(four_shards(), 5, 40000, run);
    const EpochOrder b = EpochOrder::by_shard(four_shards(), 5, 40000, run);
    EXPECT_EQ(a.num_samples(), 10u);
    EXPECT_TRUE(a.is_weighted());
    std::vector<int> counts(10, 0);
    for (uint64_t p = 0; p < 40000; ++p) {
      const uint64_t s = a.sample_at(3, p);
      ASSERT_EQ(s, b.sample_at(3, p));
      ++counts[s];
    }
    for (size_t i = 0; i < 10; ++i) {
      EXPECT_NEAR(counts[i] / 40000.0, expected[i] / 9.0, 0.012)
          << "sample " << i << " run " << run;
    }
  }
}

TEST(EpochOrder, TwoStepRunsDrawConsecutiveSamplesFromOneShard) {
  const EpochOrder order = EpochOrder::by_shard(four_shards(), 9, 1000, 10);
  const auto shard_of = [](uint64_t sample) { return sample < 3 ? 0 : sample < 8 ? 2 : 3; };
  int changes_inside_runs = 0;
  for (uint64_t p = 1; p < 1000; ++p) {
    if (p % 10 != 0 && shard_of(order.sample_at(0, p)) != shard_of(order.sample_at(0, p - 1))) {
      ++changes_inside_runs;
    }
  }
  EXPECT_EQ(changes_inside_runs, 0);
}

TEST(EpochOrder, TwoStepCachesABoundedNumberOfShardsAndCopiesShareTheCache) {
  std::atomic<int> calls{0};
  ShardWeights weights = four_shards(&calls);
  calls = 0;
  weights.cached_shards = 1;
  const EpochOrder order = EpochOrder::by_shard(weights, 2, 500);
  const EpochOrder copy = order;  // what each micro-step's loader holds
  for (uint64_t p = 0; p < 500; ++p) ASSERT_EQ(order.sample_at(0, p), copy.sample_at(0, p));
  // One shard cached: drawing between shards 0 and 3 recomputes, but fewer than once per draw
  // per copy would be needed if each copy had its own cache.
  EXPECT_GT(calls.load(), 2);
  EXPECT_LT(calls.load(), 1000);
}

TEST(EpochOrder, TwoStepDrawsAnUnreadableShardUniformlySoTheLoaderMeetsIt) {
  ShardWeights weights = four_shards();
  weights.record_weights = [](size_t shard) -> std::vector<double> {
    if (shard == 3) throw Error("shard 3 is broken");
    return std::vector<double>(shard == 0 ? 3 : 5, 1.0);
  };
  const EpochOrder order = EpochOrder::by_shard(weights, 4, 3000);
  std::vector<int> counts(10, 0);
  for (uint64_t p = 0; p < 3000; ++p) ++counts[order.sample_at(0, p)];
  EXPECT_GT(counts[8], 0);
  EXPECT_GT(counts[9], 0);
}

TEST(EpochOrder, TwoStepRejectsBadShardWeights) {
  ShardWeights w = four_shards();
  w.shard_totals[0] = -1;
  EXPECT_THROW(EpochOrder::by_shard(w, 1, 10), Error);
  w = four_shards();
  w.shard_totals = {0, 0, 0, 0};
  EXPECT_THROW(EpochOrder::by_shard(w, 1, 10), Error);
  w = four_shards();
  w.shard_totals.pop_back();
  EXPECT_THROW(EpochOrder::by_shard(w, 1, 10), Error);
  EXPECT_THROW(EpochOrder::by_shard(four_shards(), 1, 0), Error);
}

TEST(EpochOrder, ShardWindowsVisitEverySampleOnceAndFewShardsAtATime) {
  std::vector<uint64_t> sizes;
  for (uint64_t s = 0; s < 40; ++s) sizes.push_back(5 + s % 4);
  std::vector<uint64_t> first = {0};
  for (uint64_t size : sizes) first.push_back(first.back() + size);
  const uint64_t n = first.back();
  const auto shard_of = [&](uint64_t sample) {
    return static_cast<size_t>(std::upper_bound(first.begin(), first.end(), sample) -
                               first.begin()) -
           1;
  };
  const EpochOrder order = EpochOrder::shard_windows(sizes, 4, 17);
  ASSERT_EQ(order.epoch_length(), n);
  std::vector<uint64_t> epoch0, epoch1;
  for (uint64_t epoch : {0u, 1u}) {
    std::vector<uint64_t>& order_of_epoch = epoch == 0 ? epoch0 : epoch1;
    std::vector<bool> seen(n, false);
    for (uint64_t p = 0; p < n; ++p) {
      const uint64_t s = order.sample_at(epoch, p);
      ASSERT_LT(s, n);
      ASSERT_FALSE(seen[s]) << "sample " << s << " twice in epoch " << epoch;
      seen[s] = true;
      order_of_epoch.push_back(s);
    }
    // A window holds 4 shards (at least 20 samples), so any 16 consecutive positions span at
    // most two windows: at most 8 shards, where a global shuffle touches about 13.
    size_t most = 0;
    for (uint64_t p = 0; p + 16 <= n; ++p) {
      std::set<size_t> shards;
      for (uint64_t q = p; q < p + 16; ++q) shards.insert(shard_of(order_of_epoch[q]));
      most = std::max(most, shards.size());
    }
    EXPECT_LE(most, 8u) << "epoch " << epoch;
  }
  EXPECT_NE(epoch0, epoch1);
  EXPECT_THROW(EpochOrder::shard_windows(sizes, 0, 1), Error);
  // Empty shards and a last, short window.
  const EpochOrder sparse = EpochOrder::shard_windows({0, 4, 0, 0, 3, 1, 0}, 3, 5);
  std::vector<bool> seen(8, false);
  for (uint64_t p = 0; p < 8; ++p) seen.at(sparse.sample_at(2, p)) = true;
  EXPECT_EQ(std::count(seen.begin(), seen.end(), true), 8);
}

TEST(BatchPlan, RankSlicesAreDisjointAndCoverTheGlobalBatch) {
  for (int world : {1, 2, 3, 4, 8}) {
    const uint64_t global_batch = 24;
    BatchPlan plan(1000, global_batch, world);
    for (uint64_t g = 0; g < plan.batches_per_epoch(); ++g) {
      std::set<uint64_t> positions;
      for (int r = 0; r < world; ++r) {
        const PositionRange slice = plan.rank_slice(g, r);
        EXPECT_EQ(slice.size(), global_batch / world);
        for (uint64_t p = slice.begin; p < slice.end; ++p) {
          EXPECT_TRUE(positions.insert(p).second) << "position " << p << " in two ranks";
        }
      }
      EXPECT_EQ(positions.size(), global_batch);
      EXPECT_EQ(*positions.begin(), g * global_batch);
      EXPECT_EQ(*positions.rbegin(), (g + 1) * global_batch - 1);
    }
  }
}

TEST(BatchPlan, RejectsAGlobalBatchNotDivisibleByTheWorldSize) {
  EXPECT_THROW(BatchPlan(100, 10, 3), Error);
  EXPECT_THROW(BatchPlan(100, 0, 1), Error);
}

// The samples rank `rank` of `world` reads from `start` until the end of epoch `end_epoch`.
std::vector<uint64_t> global_stream(const EpochOrder& order, const BatchPlan& plan,
                                    LoaderPosition start, uint64_t end_epoch) {
  std::vector<uint64_t> out;
  for (LoaderPosition pos = start; pos.epoch < end_epoch; pos = plan.advance(pos)) {
    const uint64_t g = pos.samples_consumed / plan.global_batch();
    for (int r = 0; r < plan.world_size(); ++r) {
      const PositionRange slice = plan.rank_slice(g, r);
      for (uint64_t p = slice.begin; p < slice.end; ++p) {
        out.push_back(order.sample_at(pos.epoch, p % order.epoch_length()));
      }
    }
  }
  return out;
}

TEST(EpochOrder, ResumeReproducesRemainingOrder) {
  EpochOrder order(103, 99);
  BatchPlan plan(order.epoch_length(), 8, 2);
  const std::vector<uint64_t> full = global_stream(order, plan, {0, 0}, 3);
  // Resume at every batch boundary of three epochs, also with 1, 4 and 8 ranks.
  for (int world : {1, 2, 4, 8}) {
    BatchPlan resumed_plan(order.epoch_length(), 8, world);
    uint64_t offset = 0;
    for (LoaderPosition pos{0, 0}; pos.epoch < 3; pos = plan.advance(pos)) {
      const std::vector<uint64_t> rest = global_stream(order, resumed_plan, pos, 3);
      ASSERT_EQ(rest.size(), full.size() - offset);
      ASSERT_TRUE(std::equal(rest.begin(), rest.end(), full.begin() + offset))
          << "world " << world << " epoch " << pos.epoch << " consumed " << pos.samples_consumed;
      offset += 8;
    }
  }
}

TEST(BatchPlan, LastPartialBatchIsDroppedSoEveryRankGetsTheSameCount) {
  BatchPlan plan(10, 4, 2);
  EXPECT_EQ(plan.batches_per_epoch(), 2u);  // positions 8 and 9 are not read this epoch
  EXPECT_EQ(plan.rank_slice(1, 1).end, 8u);
  LoaderPosition pos{0, 4};
  EXPECT_EQ(plan.advance(pos), (LoaderPosition{1, 0}));
  EXPECT_THROW(plan.check_position({0, 6}), Error);
  EXPECT_THROW(plan.check_position({0, 8}), Error);  // no full batch starts there
  EXPECT_NO_THROW(plan.check_position({5, 4}));
}

TEST(BatchPlan, RejectsAGlobalBatchLargerThanTheEpoch) {
  EXPECT_THROW(BatchPlan(10, 12, 2), Error);
  EXPECT_NO_THROW(BatchPlan(10, 10, 2));
}

}  // namespace
}  // namespace ptk::data
