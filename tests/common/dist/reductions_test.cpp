#include "common/dist/reductions.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/base/error.h"
#include "tests/common/dist/rank_processes.h"

namespace ptk::dist {
namespace {

using Env = std::map<std::string, std::string>;

std::shared_ptr<ProcessGroup> join() {
  return ProcessGroup::create(resolve_launch_env({}), BackendKind::kGloo, std::chrono::seconds(30));
}

class ReductionRanks : public ::testing::TestWithParam<int> {};

TEST_P(ReductionRanks, SumsAndCountsGiveTheExactGlobalMean) {
  PTK_RUN_IN_RANKS(GetParam(), Env{});
  auto group = join();
  const int rank = group->rank();
  const int world = group->size();
  // Rank r saw r+1 samples each with loss r: the global mean weights ranks by their samples,
  // which an average of per-rank averages would not.
  std::map<std::string, SumCount> local = {
      {"loss", {static_cast<double>(rank) * (rank + 1), static_cast<double>(rank + 1)}},
      {"top1", {rank == 0 ? 1.0 : 0.0, 1.0}},
  };
  auto global = reduce_sums(*group, local);
  ASSERT_EQ(global.size(), 2u);
  double loss_sum = 0, loss_count = 0;
  for (int r = 0; r < world; ++r) {
    loss_sum += static_cast<double>(r) * (r + 1);
    loss_count += r + 1;
  }
  EXPECT_DOUBLE_EQ(global["loss"].sum, loss_sum);
  EXPECT_DOUBLE_EQ(global["loss"].count, loss_count);
  EXPECT_DOUBLE_EQ(global["loss"].mean(), loss_sum / loss_count);
  EXPECT_DOUBLE_EQ(global["top1"].sum, 1.0);
  EXPECT_DOUBLE_EQ(global["top1"].count, world);
}

TEST_P(ReductionRanks, ScalarSumAndAnyRank) {
  PTK_RUN_IN_RANKS(GetParam(), Env{});
  auto group = join();
  const int rank = group->rank();
  const int world = group->size();
  EXPECT_DOUBLE_EQ(all_reduce_scalar_sum(*group, 0.25 + rank),
                   0.25 * world + world * (world - 1) / 2);
  EXPECT_TRUE(any_rank(*group, rank == world - 1));
  EXPECT_FALSE(any_rank(*group, false));
  EXPECT_TRUE(any_rank(*group, true));
  EXPECT_TRUE(all_ranks_equal(*group, 0xfedcba9876543210ull));
  EXPECT_FALSE(all_ranks_equal(*group, rank == 0 ? 1ull : 1ull << 40));
}

TEST_P(ReductionRanks, DifferentMetricNamesFailOnEveryRank) {
  PTK_RUN_IN_RANKS(GetParam(), Env{});
  auto group = join();
  std::map<std::string, SumCount> local = {{"loss", {1, 1}}};
  if (group->rank() == 0) local["accuracy"] = {1, 1};
  try {
    reduce_sums(*group, local);
    FAIL() << "different metric names were reduced";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("loss"), std::string::npos) << e.what();
  }
}

TEST_P(ReductionRanks, BroadcastTextDeliversTheRootsBytes) {
  PTK_RUN_IN_RANKS(GetParam(), Env{});
  auto group = join();
  const int root = group->size() - 1;
  // NUL bytes, non-ASCII and an empty text must come through as they are.
  const std::string sent = std::string("lr 2e-05\tMNLI-m\0\xff", 17) + "\u00e9t\u00e9";
  const std::string here = group->rank() == root ? sent : "something else";
  EXPECT_EQ(broadcast_text(*group, here, root), sent);
  EXPECT_EQ(broadcast_text(*group, group->rank() == 0 ? "" : "not root", 0), "");
}

INSTANTIATE_TEST_SUITE_P(Worlds, ReductionRanks, ::testing::Values(2, 3),
                         [](const auto& info) { return "world" + std::to_string(info.param); });

TEST(Reductions, SingleProcessReturnsItsOwnValues) {
  auto group = ProcessGroup::single();
  auto out = reduce_sums(*group, {{"loss", {3, 2}}});
  EXPECT_DOUBLE_EQ(out["loss"].mean(), 1.5);
  EXPECT_DOUBLE_EQ(all_reduce_scalar_sum(*group, 2.5), 2.5);
  EXPECT_FALSE(any_rank(*group, false));
  EXPECT_TRUE(all_ranks_equal(*group, 5));
  EXPECT_EQ(broadcast_text(*group, "mine", 0), "mine");
}

}  // namespace
}  // namespace ptk::dist
