#include "common/dist/grad_sync.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include <map>
#include <string>

#include "common/base/error.h"
#include "tests/common/dist/rank_processes.h"

namespace ptk::dist {
namespace {

using Env = std::map<std::string, std::string>;

// A small MLP plus a head that only some ranks use in some micro-steps, so that a parameter
// gets no gradient on one rank while it gets one on another.
struct Net : torch::nn::Module {
  Net() {
    torch::manual_seed(42);  // every rank starts from the same weights
    l1 = register_module("l1", torch::nn::Linear(8, 16));
    l2 = register_module("l2", torch::nn::Linear(16, 16));
    l3 = register_module("l3", torch::nn::Linear(16, 4));
    side = register_module("side", torch::nn::Linear(16, 4));
  }
  at::Tensor loss(const at::Tensor& x, bool use_side) {
    at::Tensor h = at::tanh(l2(at::tanh(l1(x))));
    at::Tensor out = l3(h);
    at::Tensor loss = (out * out).mean() + out.sum() * 0.1;
    if (use_side) loss = loss + side(h).pow(3).mean();
    return loss;
  }
  torch::nn::Linear l1{nullptr}, l2{nullptr}, l3{nullptr}, side{nullptr};
};

// Rank r's batch of micro-step m of step s: different on every rank.
at::Tensor batch(int rank, int step, int micro) {
  double scale = 0.1 + 0.37 * rank + 0.11 * micro + 0.05 * step;
  return at::sin(at::arange(40, at::kFloat).reshape({5, 8}) * scale) * (1.0 + rank);
}
bool uses_side(int rank, int micro) { return rank == 0 && micro == 0; }

// What gradient averaging must produce: each rank's gradient accumulated over the micro-steps
// (computed here without any communication), averaged over ranks. Missing gradients are zero.
std::vector<at::Tensor> reference_grads(const std::vector<at::Tensor>& weights, int world, int step,
                                        int micro_steps) {
  std::vector<at::Tensor> sum;
  for (int r = 0; r < world; ++r) {
    Net net;
    auto params = net.parameters();
    {
      at::NoGradGuard no_grad;
      for (size_t i = 0; i < params.size(); ++i) params[i].copy_(weights[i]);
    }
    for (int m = 0; m < micro_steps; ++m) net.loss(batch(r, step, m), uses_side(r, m)).backward();
    for (size_t i = 0; i < params.size(); ++i) {
      at::Tensor g = params[i].grad().defined() ? params[i].grad() : at::zeros_like(params[i]);
      if (sum.size() <= i) {
        sum.push_back(g.clone());
      } else {
        sum[i] += g;
      }
    }
  }
  for (at::Tensor& s : sum) s /= world;
  return sum;
}

class GradSyncRanks : public ::testing::TestWithParam<int> {};

TEST_P(GradSyncRanks, AveragesAccumulatedGradientsAcrossRanks) {
  PTK_RUN_IN_RANKS(GetParam(), Env{});
  auto group =
      ProcessGroup::create(resolve_launch_env({}), BackendKind::kGloo, std::chrono::seconds(30));
  const int rank = group->rank();
  const int world = group->size();

  for (int micro_steps : {1, 3}) {
    SCOPED_TRACE("micro-steps " + std::to_string(micro_steps));
    Net net;
    auto params = net.parameters();
    // A tiny bucket size gives several buckets, some holding several parameters.
    GradSync sync(group, params, 600);
    EXPECT_GE(sync.num_buckets(), 3u);
    EXPECT_LT(sync.num_buckets(), params.size());

    for (int step = 0; step < 2; ++step) {
      SCOPED_TRACE("step " + std::to_string(step));
      std::vector<at::Tensor> weights;
      for (const at::Tensor& p : params) weights.push_back(p.detach().clone());
      std::vector<at::Tensor> expected = reference_grads(weights, world, step, micro_steps);

      for (int m = 0; m < micro_steps; ++m) {
        sync.set_sync_enabled(m == micro_steps - 1);
        net.loss(batch(rank, step, m), uses_side(rank, m)).backward();
      }
      sync.finish();
      for (size_t i = 0; i < params.size(); ++i) {
        ASSERT_TRUE(params[i].grad().defined()) << "parameter " << i;
        double diff = (params[i].grad() - expected[i]).abs().max().item<double>();
        EXPECT_LT(diff, 1e-6) << "parameter " << i;
      }
      // Optimizer step (identical on every rank since the gradients are), then the next step
      // starts from zeroed gradients (step 0 started from undefined ones).
      at::NoGradGuard no_grad;
      for (at::Tensor& p : params) {
        p.sub_(p.grad() * 0.5);
        p.mutable_grad().zero_();
      }
    }
    // The replicas stayed identical: rank 0's weights are everyone's.
    std::vector<at::Tensor> mine;
    for (const at::Tensor& p : params) mine.push_back(p.detach().clone());
    std::vector<at::Tensor> theirs;
    for (const at::Tensor& p : params) theirs.push_back(p.detach().clone());
    group->broadcast(theirs, 0);
    for (size_t i = 0; i < mine.size(); ++i) EXPECT_TRUE(at::equal(mine[i], theirs[i]));
  }
}

TEST_P(GradSyncRanks, BucketsStartDuringBackward) {
  PTK_RUN_IN_RANKS(GetParam(), Env{});
  auto group =
      ProcessGroup::create(resolve_launch_env({}), BackendKind::kGloo, std::chrono::seconds(30));
  Net net;
  // The side head never gets a gradient here: leave it out, as a trainer would freeze it.
  std::vector<at::Tensor> params{net.l1->weight, net.l1->bias,   net.l2->weight,
                                 net.l2->bias,   net.l3->weight, net.l3->bias};
  GradSync sync(group, params, 300);
  ASSERT_GE(sync.num_buckets(), 3u);
  sync.set_sync_enabled(true);
  net.loss(batch(group->rank(), 0, 0), false).backward();
  // Every all-reduce was started from a hook, before backward returned.
  EXPECT_EQ(sync.launched_buckets(), sync.num_buckets());
  sync.finish();
  EXPECT_EQ(sync.launched_buckets(), 0u);
}

TEST_P(GradSyncRanks, ChangingSyncModeBeforeFinishIsAnError) {
  PTK_RUN_IN_RANKS(GetParam(), Env{});
  auto group =
      ProcessGroup::create(resolve_launch_env({}), BackendKind::kGloo, std::chrono::seconds(30));
  Net net;
  GradSync sync(group, net.parameters(), 1 << 20);
  sync.set_sync_enabled(true);
  net.loss(batch(group->rank(), 0, 0), false).backward();
  EXPECT_THROW(sync.set_sync_enabled(false), Error);
  sync.finish();  // every rank still completes the step it started
  EXPECT_NO_THROW(sync.set_sync_enabled(false));
}

INSTANTIATE_TEST_SUITE_P(Worlds, GradSyncRanks, ::testing::Values(2, 3),
                         [](const auto& info) { return "world" + std::to_string(info.param); });

TEST(GradSync, SingleProcessLeavesLocalGradientsAlone) {
  Net net;
  auto params = net.parameters();
  GradSync sync(ProcessGroup::single(), params, 600);
  EXPECT_GE(sync.num_buckets(), 3u);
  sync.set_sync_enabled(false);
  net.loss(batch(0, 0, 0), true).backward();
  sync.set_sync_enabled(true);
  net.loss(batch(0, 0, 1), false).backward();
  sync.finish();
  std::vector<at::Tensor> expected = reference_grads(
      [&] {
        std::vector<at::Tensor> w;
        for (const at::Tensor& p : params) w.push_back(p.detach().clone());
        return w;
      }(),
      1, 0, 2);
  for (size_t i = 0; i < params.size(); ++i) {
    EXPECT_TRUE(at::allclose(params[i].grad(), expected[i], 0, 0)) << "parameter " << i;
  }
}

TEST(GradSync, OneBucketPerParameterBlockOfTheGivenSize) {
  Net net;
  // Everything fits in one default-sized (25 MB) bucket.
  EXPECT_EQ(GradSync(ProcessGroup::single(), net.parameters()).num_buckets(), 1u);
  // One byte: every parameter is its own bucket.
  EXPECT_EQ(GradSync(ProcessGroup::single(), net.parameters(), 1).num_buckets(),
            net.parameters().size());
}

}  // namespace
}  // namespace ptk::dist
