#include "common/dist/module_broadcast.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include <map>
#include <string>

#include "common/base/error.h"
#include "tests/common/dist/rank_processes.h"

namespace ptk::dist {
namespace {

using Env = std::map<std::string, std::string>;

// Parameters and buffers (BatchNorm's running statistics), initialised from `seed`.
struct Net : torch::nn::Module {
  Net(uint64_t seed, int hidden = 16) {
    torch::manual_seed(seed);
    fc = register_module("fc", torch::nn::Linear(8, hidden));
    norm = register_module("norm", torch::nn::BatchNorm1d(hidden));
    head = register_module("head", torch::nn::Linear(hidden, 3));
    at::NoGradGuard no_grad;
    norm->running_mean.uniform_();
    norm->running_var.uniform_(0.5, 2.0);
  }
  torch::nn::Linear fc{nullptr}, head{nullptr};
  torch::nn::BatchNorm1d norm{nullptr};
};

std::shared_ptr<ProcessGroup> join() {
  return ProcessGroup::create(resolve_launch_env({}), BackendKind::kGloo, std::chrono::seconds(30));
}

class ModuleBroadcastRanks : public ::testing::TestWithParam<int> {};

TEST_P(ModuleBroadcastRanks, DifferentlyInitialisedReplicasBecomeRankZeros) {
  PTK_RUN_IN_RANKS(GetParam(), Env{});
  auto group = join();
  Net net(/*seed=*/100 + group->rank());
  Net rank_zero(/*seed=*/100);  // what rank 0 holds, rebuilt locally
  if (group->rank() != 0) {
    ASSERT_FALSE(at::equal(net.fc->weight, rank_zero.fc->weight));
  }
  broadcast_module(*group, net);
  auto mine = net.named_parameters();
  auto expected = rank_zero.named_parameters();
  for (const auto& item : expected) {
    EXPECT_TRUE(at::equal(mine[item.key()], item.value())) << item.key();
    EXPECT_TRUE(mine[item.key()].requires_grad()) << item.key();
  }
  auto buffers = net.named_buffers();
  for (const auto& item : rank_zero.named_buffers()) {
    EXPECT_TRUE(at::equal(buffers[item.key()], item.value())) << item.key();
  }
}

TEST_P(ModuleBroadcastRanks, MismatchedModulesFailOnEveryRankNamingTheTensor) {
  PTK_RUN_IN_RANKS(GetParam(), Env{});
  auto group = join();
  const int last = group->size() - 1;
  // The last rank's hidden layer is wider: same tensor count, different shapes.
  Net net(7, group->rank() == last ? 17 : 16);
  try {
    broadcast_module(*group, net);
    FAIL() << "modules of different shapes were broadcast";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("parameter fc.weight"), std::string::npos) << e.what();
  }
  // The group is still usable afterwards (no rank was left inside a collective).
  std::vector<at::Tensor> t{at::ones({1})};
  group->all_reduce_sum(t);
  EXPECT_EQ(t[0].item<float>(), static_cast<float>(group->size()));
}

INSTANTIATE_TEST_SUITE_P(Worlds, ModuleBroadcastRanks, ::testing::Values(2, 3),
                         [](const auto& info) { return "world" + std::to_string(info.param); });

}  // namespace
}  // namespace ptk::dist
