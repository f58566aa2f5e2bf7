#include "common/train/lr_schedule.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/config/config.h"
#include "common/train/optimizer.h"

namespace ptk::train {
namespace {

constexpr double kTol = 1e-12;

ScheduleOptions options_for(const std::string& name, int64_t warmup, int64_t total) {
  ScheduleOptions options;
  options.name = name;
  options.warmup_steps = warmup;
  options.total_steps = total;
  return options;
}

// Runs `action`, expects a usage error whose message names `key`.
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

config::Config schedule_config(const std::vector<std::string>& overrides) {
  return config::resolve_text(schedule_schema(), "", "test", overrides);
}

TEST(LrSchedule, WarmupRisesLinearlyFromStartFactorToPeak) {
  ScheduleOptions options = options_for("constant", 10, 0);
  options.warmup_start_factor = 0.1;
  const LrSchedule schedule(2.0, options);
  EXPECT_NEAR(schedule.lr_at(0), 0.2, kTol);
  EXPECT_NEAR(schedule.lr_at(5), 1.1, kTol);
  EXPECT_NEAR(schedule.lr_at(9), 0.2 + 1.8 * 0.9, kTol);
  EXPECT_NEAR(schedule.lr_at(10), 2.0, kTol);
  EXPECT_NEAR(schedule.lr_at(1000000), 2.0, kTol);
}

TEST(LrSchedule, WarmupFromZeroStartsAtZero) {
  const LrSchedule schedule(1.0, options_for("cosine", 4, 100));
  EXPECT_EQ(schedule.lr_at(0), 0.0);
  EXPECT_NEAR(schedule.lr_at(1), 0.25, kTol);
  EXPECT_NEAR(schedule.lr_at(4), 1.0, kTol);
}

TEST(LrSchedule, StepDecayMultipliesByGammaAtEachMilestone) {
  ScheduleOptions options = options_for("step", 0, 90);
  options.milestones = {30, 60, 80};
  options.gamma = 0.1;
  const LrSchedule schedule(0.1, options);
  EXPECT_NEAR(schedule.lr_at(0), 0.1, kTol);
  EXPECT_NEAR(schedule.lr_at(29), 0.1, kTol);
  EXPECT_NEAR(schedule.lr_at(30), 0.01, kTol);
  EXPECT_NEAR(schedule.lr_at(59), 0.01, kTol);
  EXPECT_NEAR(schedule.lr_at(60), 0.001, kTol);
  EXPECT_NEAR(schedule.lr_at(80), 0.0001, kTol);
  EXPECT_NEAR(schedule.lr_at(500), 0.0001, kTol);
}

TEST(LrSchedule, StepDecayAfterWarmupUsesAbsoluteMilestones) {
  // The WSL recipe: warmup to the scaled LR (3.15 at batch 8064), then step decay.
  ScheduleOptions options = options_for("step", 5, 0);
  options.milestones = {20};
  options.warmup_start_factor = 0.1;
  const LrSchedule schedule(3.15, options);
  EXPECT_NEAR(schedule.lr_at(0), 0.315, kTol);
  EXPECT_NEAR(schedule.lr_at(5), 3.15, kTol);
  EXPECT_NEAR(schedule.lr_at(19), 3.15, kTol);
  EXPECT_NEAR(schedule.lr_at(20), 0.315, kTol);
}

TEST(LrSchedule, CosineIsHalfPeakAtMidpointAndZeroAtEnd) {
  const LrSchedule schedule(2.0, options_for("cosine", 100, 1100));
  EXPECT_NEAR(schedule.lr_at(100), 2.0, kTol);
  EXPECT_NEAR(schedule.lr_at(600), 1.0, kTol);
  EXPECT_NEAR(schedule.lr_at(350), 1.0 + std::cos(M_PI / 4.0), kTol);
  EXPECT_NEAR(schedule.lr_at(1100), 0.0, kTol);
  EXPECT_NEAR(schedule.lr_at(2000), 0.0, kTol);
}

TEST(LrSchedule, FinalLrFractionIsTheFloorOfDecayingSchedules) {
  for (const std::string name : {"cosine", "linear", "polynomial"}) {
    ScheduleOptions options = options_for(name, 10, 110);
    options.final_lr_fraction = 0.1;
    options.power = 2.0;
    const LrSchedule schedule(1.0, options);
    EXPECT_NEAR(schedule.lr_at(10), 1.0, kTol) << name;
    EXPECT_NEAR(schedule.lr_at(110), 0.1, kTol) << name;
    EXPECT_NEAR(schedule.lr_at(100000), 0.1, kTol) << name;
    for (int64_t step = 10; step <= 110; ++step) {
      EXPECT_GE(schedule.lr_at(step), 0.1 - kTol) << name << " step " << step;
      EXPECT_LE(schedule.lr_at(step + 1), schedule.lr_at(step) + kTol) << name << " step " << step;
    }
  }
  ScheduleOptions options = options_for("cosine", 0, 100);
  options.final_lr_fraction = 0.1;
  EXPECT_NEAR(LrSchedule(2.0, options).lr_at(50), 0.2 + 1.8 * 0.5, kTol);
}

TEST(LrSchedule, LinearDecaysToZeroAtTotalSteps) {
  // BERT: 10k warmup steps, then linear decay to 0 at 1M steps.
  const LrSchedule schedule(1e-4, options_for("linear", 10000, 1000000));
  EXPECT_NEAR(schedule.lr_at(5000), 0.5e-4, kTol);
  EXPECT_NEAR(schedule.lr_at(10000), 1e-4, kTol);
  EXPECT_NEAR(schedule.lr_at(505000), 0.5e-4, kTol);
  EXPECT_NEAR(schedule.lr_at(1000000), 0.0, kTol);
}

TEST(LrSchedule, PolynomialFollowsPowerOfRemainingFraction) {
  ScheduleOptions options = options_for("polynomial", 0, 100);
  options.power = 0.5;
  const LrSchedule schedule(4.0, options);
  EXPECT_NEAR(schedule.lr_at(0), 4.0, kTol);
  EXPECT_NEAR(schedule.lr_at(75), 4.0 * 0.5, kTol);  // sqrt(1 - 0.75)
  EXPECT_NEAR(schedule.lr_at(100), 0.0, kTol);
  options.power = 1.0;
  EXPECT_NEAR(LrSchedule(4.0, options).lr_at(25), 3.0, kTol);
}

TEST(LrSchedule, ScaledLrFollowsLinearScalingRule) {
  EXPECT_NEAR(scaled_lr(0.1, 8064), 3.15, kTol);  // Mahajan et al.: 0.1 per 256 at batch 8064
  EXPECT_NEAR(scaled_lr(0.1, 256), 0.1, kTol);
  EXPECT_NEAR(scaled_lr(0.1, 128), 0.05, kTol);
  EXPECT_THROW(scaled_lr(0.1, 0), Error);
}

TEST(ScheduleConfig, ReadsEveryKey) {
  const ScheduleOptions options =
      schedule_options(schedule_config({"schedule.name=step", "schedule.warmup_steps=7",
                                        "schedule.warmup_start_factor=0.25",
                                        "schedule.milestones=[10, 20]", "schedule.gamma=0.5",
                                        "schedule.power=3", "schedule.final_lr_fraction=0.05"}),
                       100);
  EXPECT_EQ(options.name, "step");
  EXPECT_EQ(options.warmup_steps, 7);
  EXPECT_EQ(options.warmup_start_factor, 0.25);
  EXPECT_EQ(options.total_steps, 100);
  EXPECT_EQ(options.milestones, (std::vector<int64_t>{10, 20}));
  EXPECT_EQ(options.gamma, 0.5);
  EXPECT_EQ(options.power, 3.0);
  EXPECT_EQ(options.final_lr_fraction, 0.05);
}

TEST(ScheduleConfig, DefaultsAreCosineWithoutWarmup) {
  const ScheduleOptions options = schedule_options(schedule_config({}), 1000);
  EXPECT_EQ(options.name, "cosine");
  EXPECT_EQ(options.warmup_steps, 0);
  EXPECT_NEAR(LrSchedule(1.0, options).lr_at(500), 0.5, kTol);
}

TEST(ScheduleConfig, WarmupFractionOverridesWarmupSteps) {
  // GLUE fine-tuning: 10% warmup.
  const ScheduleOptions options =
      schedule_options(schedule_config({"schedule.name=linear", "schedule.warmup_steps=3",
                                        "schedule.warmup_fraction=0.1"}),
                       1150);
  EXPECT_EQ(options.warmup_steps, 115);
}

TEST(ScheduleConfig, BadValuesAreUsageErrorsNamingTheKey) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"schedule.name=exponential"}, "schedule.name"},
      {{"schedule.warmup_steps=-1"}, "schedule.warmup_steps"},
      {{"schedule.warmup_fraction=1.5"}, "schedule.warmup_fraction"},
      {{"schedule.warmup_start_factor=2"}, "schedule.warmup_start_factor"},
      {{"schedule.warmup_steps=5000"}, "schedule.warmup_steps"},
      {{"schedule.name=step", "schedule.milestones=[20, 10]"}, "schedule.milestones"},
      {{"schedule.name=step", "schedule.milestones=[0]"}, "schedule.milestones"},
      {{"schedule.name=step"}, "schedule.milestones"},
      {{"schedule.name=step", "schedule.milestones=[5]", "schedule.gamma=0"}, "schedule.gamma"},
      {{"schedule.name=polynomial", "schedule.power=0"}, "schedule.power"},
      {{"schedule.final_lr_fraction=-0.1"}, "schedule.final_lr_fraction"},
  };
  for (const auto& [overrides, key] : cases) {
    expect_usage_error_naming([&] { schedule_options(schedule_config(overrides), 1000); }, key);
  }
}

TEST(ScheduleConfig, DecayingScheduleNeedsTotalSteps) {
  expect_usage_error_naming([] { schedule_options(schedule_config({}), 0); }, "schedule.name");
  // Constant and step schedules do not depend on the run length.
  EXPECT_NO_THROW(schedule_options(schedule_config({"schedule.name=constant"}), 0));
}

}  // namespace
}  // namespace ptk::train
