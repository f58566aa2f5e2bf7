#include "common/train/foreach_optimizers.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <torch/serialize.h>
#include <torch/types.h>

#include "common/base/error.h"

namespace ptk::train {
namespace {

// Parameters of several shapes, one of them channels_last as ResNeXt's convolutions are on a
// GPU, one kept frozen, in two groups as make_optimizer builds them.
std::vector<at::Tensor> make_parameters() {
  torch::manual_seed(7);
  std::vector<at::Tensor> params;
  params.push_back(torch::randn({8, 4, 3, 3}).contiguous(at::MemoryFormat::ChannelsLast));
  params.push_back(torch::randn({16}));
  params.push_back(torch::randn({5, 7}));
  params.push_back(torch::randn({3}));
  for (auto& p : params) p.requires_grad_(true);
  return params;
}

std::vector<at::Tensor> copies(const std::vector<at::Tensor>& params) {
  std::vector<at::Tensor> out;
  for (const auto& p : params) out.push_back(p.detach().clone().requires_grad_(true));
  return out;
}

template <typename Options>
std::vector<torch::optim::OptimizerParamGroup> two_groups(const std::vector<at::Tensor>& params,
                                                          const Options& with_decay) {
  Options without_decay = with_decay;
  without_decay.weight_decay(0.0);
  std::vector<torch::optim::OptimizerParamGroup> groups;
  groups.emplace_back(std::vector<at::Tensor>{params[0], params[2]},
                      std::make_unique<Options>(with_decay));
  groups.emplace_back(std::vector<at::Tensor>{params[1], params[3]},
                      std::make_unique<Options>(without_decay));
  return groups;
}

// Gradients that change with the step and the weights; parameter 3 has none on step 2, so its
// step count falls behind the others'.
void set_gradients(const std::vector<at::Tensor>& params, int step) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) {
    if (i == 3 && step == 2) {
      params[i].mutable_grad() = at::Tensor();
      continue;
    }
    params[i].mutable_grad() = torch::sin(params[i] * (step + 1.0) + static_cast<double>(i));
  }
}

void run_steps(torch::optim::Optimizer& optimizer, const std::vector<at::Tensor>& params, int begin,
               int end) {
  for (int step = begin; step < end; ++step) {
    for (auto& group : optimizer.param_groups()) group.options().set_lr(0.05 / (1 + step));
    set_gradients(params, step);
    optimizer.step();
  }
}

void expect_bitwise_equal(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b,
                          const std::string& what) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_TRUE(torch::equal(a[i], b[i])) << what << ": parameter " << i;
  }
}

struct SgdCase {
  double momentum;
  bool nesterov;
  double weight_decay;
  double dampening;
};

class ForeachSgdMatchesLibTorch : public ::testing::TestWithParam<SgdCase> {};

TEST_P(ForeachSgdMatchesLibTorch, BitwiseOverStepsWithChangingLr) {
  const SgdCase c = GetParam();
  const auto options = torch::optim::SGDOptions(0.05)
                           .momentum(c.momentum)
                           .nesterov(c.nesterov)
                           .weight_decay(c.weight_decay)
                           .dampening(c.dampening);
  const auto reference = make_parameters();
  const auto ours = copies(reference);
  torch::optim::SGD reference_optimizer(two_groups(reference, options), options);
  ForeachSgd foreach_optimizer(two_groups(ours, options), options);
  run_steps(reference_optimizer, reference, 0, 6);
  run_steps(foreach_optimizer, ours, 0, 6);
  expect_bitwise_equal(ours, reference, "sgd");
  EXPECT_EQ(foreach_optimizer.state().size(), reference_optimizer.state().size());
  EXPECT_TRUE(ours[2].is_contiguous(at::MemoryFormat::Contiguous));
  EXPECT_TRUE(ours[0].is_contiguous(at::MemoryFormat::ChannelsLast));
}

INSTANTIATE_TEST_SUITE_P(Variants, ForeachSgdMatchesLibTorch,
                         ::testing::Values(SgdCase{0.9, true, 1e-4, 0.0},
                                           SgdCase{0.9, false, 1e-4, 0.0},
                                           SgdCase{0.9, false, 0.0, 0.1},
                                           SgdCase{0.0, false, 5e-4, 0.0},
                                           SgdCase{0.0, false, 0.0, 0.0}));

class ForeachAdamWMatchesLibTorch : public ::testing::TestWithParam<double> {};

TEST_P(ForeachAdamWMatchesLibTorch, BitwiseOverStepsWithChangingLr) {
  const auto options = torch::optim::AdamWOptions(0.01)
                           .betas(std::make_tuple(0.9, 0.98))
                           .eps(1e-6)
                           .weight_decay(GetParam());
  const auto reference = make_parameters();
  const auto ours = copies(reference);
  torch::optim::AdamW reference_optimizer(two_groups(reference, options), options);
  ForeachAdamW foreach_optimizer(two_groups(ours, options), options);
  run_steps(reference_optimizer, reference, 0, 6);
  run_steps(foreach_optimizer, ours, 0, 6);
  expect_bitwise_equal(ours, reference, "adamw");
}

INSTANTIATE_TEST_SUITE_P(WeightDecay, ForeachAdamWMatchesLibTorch, ::testing::Values(0.0, 0.01));

// A run checkpointed by LibTorch's own optimizer (as every checkpoint written before these
// steps was) resumes under the multi-tensor one, and the other way round, bitwise.
template <typename Reference, typename Foreach, typename Options>
void expect_state_moves_both_ways(const Options& options, const std::string& name) {
  const auto uninterrupted = make_parameters();
  Reference uninterrupted_optimizer(two_groups(uninterrupted, options), options);
  run_steps(uninterrupted_optimizer, uninterrupted, 0, 8);

  const std::string path = (std::filesystem::temp_directory_path() /
                            ("ptk_foreach_" + name + std::to_string(::getpid()) + ".pt"))
                               .string();
  const auto first = make_parameters();
  Reference first_optimizer(two_groups(first, options), options);
  run_steps(first_optimizer, first, 0, 3);
  torch::save(first_optimizer, path);
  const auto second = copies(first);
  Foreach second_optimizer(two_groups(second, options), options);
  torch::load(second_optimizer, path);
  run_steps(second_optimizer, second, 3, 6);
  torch::save(second_optimizer, path);
  const auto third = copies(second);
  Reference third_optimizer(two_groups(third, options), options);
  torch::load(third_optimizer, path);
  std::filesystem::remove(path);
  run_steps(third_optimizer, third, 6, 8);
  expect_bitwise_equal(third, uninterrupted, name);
}

TEST(ForeachOptimizers, CheckpointsMoveBetweenLibTorchAndForeachSteps) {
  expect_state_moves_both_ways<torch::optim::SGD, ForeachSgd>(
      torch::optim::SGDOptions(0.05).momentum(0.9).nesterov(true).weight_decay(1e-4), "sgd");
  expect_state_moves_both_ways<torch::optim::AdamW, ForeachAdamW>(
      torch::optim::AdamWOptions(0.01).weight_decay(0.01), "adamw");
}

TEST(ForeachOptimizers, SparseGradientsAreAnErrorNamingTheOptimizer) {
  auto param = torch::zeros({4}).requires_grad_(true);
  param.mutable_grad() = torch::zeros({4}).to_sparse();
  ForeachSgd sgd(std::vector<at::Tensor>{param}, torch::optim::SGDOptions(0.1).momentum(0.9));
  try {
    sgd.step();
    FAIL() << "expected a ptk::Error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("sgd: sparse gradients"), std::string::npos)
        << error.what();
  }
  ForeachAdamW adamw(std::vector<at::Tensor>{param}, torch::optim::AdamWOptions(0.1));
  EXPECT_THROW(adamw.step(), Error);
}

TEST(ForeachOptimizers, ParametersWithoutGradientsAreLeftAlone) {
  auto param = torch::ones({3}).requires_grad_(true);
  ForeachAdamW adamw(std::vector<at::Tensor>{param},
                     torch::optim::AdamWOptions(0.1).weight_decay(0.5));
  adamw.step();
  EXPECT_TRUE(torch::equal(param, torch::ones({3})));
  EXPECT_TRUE(adamw.state().empty());
}

}  // namespace
}  // namespace ptk::train
