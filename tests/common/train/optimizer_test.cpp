#include "common/train/optimizer.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include <torch/serialize.h>
#include <torch/types.h>

#include "common/base/error.h"
#include "common/config/config.h"
#include "common/train/lr_schedule.h"

namespace ptk::train {
namespace {

using NamedParameters = std::vector<std::pair<std::string, at::Tensor>>;

template <typename Action>
void expect_usage_error_naming(Action action, const std::string& key) {
  try {
    action();
    FAIL() << "expected a ptk::Error naming " << key;
  } catch (const Error& error) {
    EXPECT_EQ(error.kind(), ErrorKind::kUsage) << error.what();
    EXPECT_NE(std::string(error.what()).find(key), std::string::npos) << error.what();
  }
}

config::Config optim_config(const std::vector<std::string>& overrides) {
  return config::resolve_text(optimizer_schema(), "", "test", overrides);
}

at::Tensor parameter(std::vector<double> values) {
  return torch::tensor(values, torch::dtype(torch::kFloat)).requires_grad_(true);
}

// A small "model": a weight matrix, its bias and a norm layer's scale.
NamedParameters make_parameters() {
  return {{"fc.weight", torch::linspace(-1.0, 1.0, 12).reshape({4, 3}).requires_grad_(true)},
          {"fc.bias", parameter({0.5, -0.25, 0.125})},
          {"bn1.weight", parameter({1.0, 1.5})}};
}

NamedParameters clone_parameters(const NamedParameters& parameters) {
  NamedParameters copy;
  for (const auto& [name, tensor] : parameters) {
    copy.emplace_back(name, tensor.detach().clone().requires_grad_(true));
  }
  return copy;
}

// Deterministic gradients that vary with the step and the weights, as real ones do.
void set_gradients(const NamedParameters& parameters, int step) {
  torch::NoGradGuard no_grad;
  for (size_t i = 0; i < parameters.size(); ++i) {
    const at::Tensor& p = parameters[i].second;
    p.mutable_grad() = torch::sin(p * static_cast<double>(step + 1) + static_cast<double>(i));
  }
}

void train_steps(torch::optim::Optimizer& optimizer, const NamedParameters& parameters,
                 const LrSchedule& schedule, int begin, int end) {
  for (int step = begin; step < end; ++step) {
    set_learning_rate(optimizer, schedule.lr_at(step));
    set_gradients(parameters, step);
    optimizer.step();
  }
}

OptimizerOptions options_named(const std::string& name) {
  OptimizerOptions options;
  options.name = name;
  options.lr = name == "sgd" ? 0.1 : 0.01;
  options.weight_decay = 0.05;
  options.no_decay_patterns = {"bias", "bn"};
  return options;
}

TEST(OptimizerConfig, PeakLrFollowsLinearScalingUnlessSetExplicitly) {
  const OptimizerOptions scaled = optimizer_options(optim_config({}), 8064);
  EXPECT_EQ(scaled.name, "sgd");
  EXPECT_NEAR(scaled.lr, 3.15, 1e-12);
  EXPECT_EQ(scaled.momentum, 0.9);
  EXPECT_TRUE(scaled.nesterov);
  EXPECT_EQ(scaled.weight_decay, 1e-4);

  const OptimizerOptions explicit_lr = optimizer_options(
      optim_config({"optim.name=adamw", "optim.lr=0.0001", "optim.betas=[0.8, 0.99]",
                    "optim.eps=1e-8", "optim.weight_decay=0.01",
                    "optim.no_decay=[bias, LayerNorm]"}),
      8064);
  EXPECT_EQ(explicit_lr.name, "adamw");
  EXPECT_EQ(explicit_lr.lr, 1e-4);
  EXPECT_EQ(explicit_lr.beta1, 0.8);
  EXPECT_EQ(explicit_lr.beta2, 0.99);
  EXPECT_EQ(explicit_lr.eps, 1e-8);
  EXPECT_EQ(explicit_lr.weight_decay, 0.01);
  EXPECT_EQ(explicit_lr.no_decay_patterns, (std::vector<std::string>{"bias", "LayerNorm"}));
}

TEST(OptimizerConfig, BadValuesAreUsageErrorsNamingTheKey) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"optim.name=adam"}, "optim.name"},
      {{"optim.lr=-0.1"}, "optim.lr"},
      {{"optim.lr_per_256=0"}, "optim.lr_per_256"},
      {{"optim.lr_per_256=-1"}, "optim.lr_per_256"},
      {{"optim.momentum=1"}, "optim.momentum"},
      {{"optim.momentum=-0.5"}, "optim.momentum"},
      {{"optim.momentum=0", "optim.nesterov=true"}, "optim.nesterov"},
      {{"optim.weight_decay=-1e-4"}, "optim.weight_decay"},
      {{"optim.betas=[0.9, 1.0]"}, "optim.betas"},
      {{"optim.betas=[-0.1, 0.999]"}, "optim.betas"},
      {{"optim.betas=[0.9]"}, "optim.betas"},
      {{"optim.eps=0"}, "optim.eps"},
  };
  for (const auto& [overrides, key] : cases) {
    expect_usage_error_naming([&] { optimizer_options(optim_config(overrides), 256); }, key);
  }
}

TEST(OptimizerConfig, ZeroGlobalBatchIsAnError) {
  EXPECT_THROW(optimizer_options(optim_config({}), 0), Error);
  // An explicit LR does not need the batch size.
  EXPECT_NO_THROW(optimizer_options(optim_config({"optim.lr=0.5"}), 0));
}

TEST(MakeOptimizer, UnknownNameAndEmptyPatternAreUsageErrors) {
  OptimizerOptions options = options_named("rmsprop");
  expect_usage_error_naming([&] { make_optimizer(options, make_parameters()); }, "optim.name");
  options = options_named("adamw");
  options.no_decay_patterns = {""};
  expect_usage_error_naming([&] { make_optimizer(options, make_parameters()); }, "optim.no_decay");
}

TEST(MakeOptimizer, NoDecayParametersAreNotDecayed) {
  // With zero gradients only weight decay moves a parameter: for every optimizer the decay
  // group shrinks and the no-decay group stays put.
  for (const std::string name : {"sgd", "adamw", "lamb"}) {
    const NamedParameters parameters = make_parameters();
    const NamedParameters before = clone_parameters(parameters);
    auto optimizer = make_optimizer(options_named(name), parameters);
    ASSERT_EQ(optimizer->param_groups().size(), 2u) << name;
    EXPECT_EQ(optimizer->param_groups()[0].params().size(), 1u) << name;
    EXPECT_EQ(optimizer->param_groups()[1].params().size(), 2u) << name;
    for (const auto& [_, p] : parameters) p.mutable_grad() = torch::zeros_like(p);
    optimizer->step();
    const at::Tensor& weight = parameters[0].second;
    EXPECT_LT(weight.abs().sum().item<double>(), before[0].second.abs().sum().item<double>())
        << name;
    EXPECT_TRUE(torch::equal(parameters[1].second, before[1].second)) << name;
    EXPECT_TRUE(torch::equal(parameters[2].second, before[2].second)) << name;
  }
}

TEST(MakeOptimizer, GroupsStayTwoWhenNothingIsExempt) {
  // Checkpoints of runs with and without no_decay patterns have the same group layout.
  OptimizerOptions options = options_named("sgd");
  options.no_decay_patterns = {};
  auto optimizer = make_optimizer(options, make_parameters());
  ASSERT_EQ(optimizer->param_groups().size(), 2u);
  EXPECT_EQ(optimizer->param_groups()[0].params().size(), 3u);
  EXPECT_TRUE(optimizer->param_groups()[1].params().empty());
}

TEST(MakeOptimizer, FrozenParametersAreLeftOut) {
  NamedParameters parameters = make_parameters();
  parameters[0].second.requires_grad_(false);
  auto optimizer = make_optimizer(options_named("adamw"), parameters);
  EXPECT_EQ(optimizer->param_groups()[0].params().size(), 0u);
  EXPECT_EQ(optimizer->param_groups()[1].params().size(), 2u);
}

TEST(MakeOptimizer, TiedWeightIsOptimizedOnce) {
  NamedParameters parameters = make_parameters();
  parameters.emplace_back("decoder.weight", parameters[0].second);  // tied to fc.weight
  auto optimizer = make_optimizer(options_named("sgd"), parameters);
  EXPECT_EQ(
      optimizer->param_groups()[0].params().size() + optimizer->param_groups()[1].params().size(),
      3u);
}

TEST(MakeOptimizer, DuplicateOrUndefinedParametersAreErrors) {
  NamedParameters duplicate = make_parameters();
  duplicate.emplace_back("fc.bias", parameter({1.0}));
  try {
    make_optimizer(options_named("sgd"), duplicate);
    FAIL() << "duplicate name accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("fc.bias"), std::string::npos) << error.what();
  }
  NamedParameters undefined = make_parameters();
  undefined.emplace_back("head.weight", at::Tensor());
  try {
    make_optimizer(options_named("sgd"), undefined);
    FAIL() << "undefined tensor accepted";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("head.weight"), std::string::npos) << error.what();
  }
}

TEST(MakeOptimizer, SetLearningRateReachesEveryGroup) {
  for (const std::string name : {"sgd", "adamw", "lamb"}) {
    auto optimizer = make_optimizer(options_named(name), make_parameters());
    set_learning_rate(*optimizer, 0.125);
    for (const auto& group : optimizer->param_groups()) {
      EXPECT_EQ(group.options().get_lr(), 0.125) << name;
    }
  }
}

TEST(MakeOptimizer, ScheduledLrChangesTheUpdate) {
  // Halving the LR halves a plain SGD step: the optimizer really uses what the schedule sets.
  OptimizerOptions options = options_named("sgd");
  options.momentum = 0.0;
  options.nesterov = false;
  options.weight_decay = 0.0;
  const NamedParameters full = make_parameters(), half = make_parameters();
  auto full_optimizer = make_optimizer(options, full);
  auto half_optimizer = make_optimizer(options, half);
  set_learning_rate(*half_optimizer, options.lr / 2.0);
  set_gradients(full, 0);
  set_gradients(half, 0);
  full_optimizer->step();
  half_optimizer->step();
  const NamedParameters start = make_parameters();
  for (size_t i = 0; i < full.size(); ++i) {
    const at::Tensor full_delta = full[i].second - start[i].second;
    const at::Tensor half_delta = half[i].second - start[i].second;
    EXPECT_TRUE(torch::allclose(half_delta * 2.0, full_delta, 1e-5, 1e-7)) << full[i].first;
  }
}

class OptimizerResume : public ::testing::TestWithParam<std::string> {};

TEST_P(OptimizerResume, SaveLoadContinuesBitwiseAsUninterrupted) {
  const std::string name = GetParam();
  ScheduleOptions schedule_options;
  schedule_options.name = "cosine";
  schedule_options.warmup_steps = 2;
  schedule_options.total_steps = 8;
  const LrSchedule schedule(options_named(name).lr, schedule_options);

  const NamedParameters reference = make_parameters();
  auto reference_optimizer = make_optimizer(options_named(name), reference);
  train_steps(*reference_optimizer, reference, schedule, 0, 8);

  const NamedParameters first = make_parameters();
  auto first_optimizer = make_optimizer(options_named(name), first);
  train_steps(*first_optimizer, first, schedule, 0, 4);
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("ptk_optimizer_" + name + "_" + std::to_string(::getpid()) + ".pt");
  torch::save(*first_optimizer, path.string());

  // A fresh process would rebuild the model from its checkpoint and the optimizer from scratch.
  const NamedParameters resumed = clone_parameters(first);
  auto resumed_optimizer = make_optimizer(options_named(name), resumed);
  torch::load(*resumed_optimizer, path.string());
  std::filesystem::remove(path);
  EXPECT_EQ(resumed_optimizer->state().size(), first_optimizer->state().size());
  train_steps(*resumed_optimizer, resumed, schedule, 4, 8);

  for (size_t i = 0; i < reference.size(); ++i) {
    EXPECT_TRUE(torch::equal(resumed[i].second, reference[i].second))
        << name << " " << reference[i].first;
  }
  // Without the saved state (momentum, moments) the run would diverge: the check above bites.
  const NamedParameters stateless = clone_parameters(first);
  auto stateless_optimizer = make_optimizer(options_named(name), stateless);
  train_steps(*stateless_optimizer, stateless, schedule, 4, 8);
  EXPECT_FALSE(torch::equal(stateless[0].second, reference[0].second)) << name;
}

INSTANTIATE_TEST_SUITE_P(AllOptimizers, OptimizerResume, ::testing::Values("sgd", "adamw", "lamb"));

}  // namespace
}  // namespace ptk::train
