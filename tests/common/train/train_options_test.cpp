// The trainer's config sections: defaults resolve, values come back typed, bad values are
// usage errors that name the key.
#include "common/train/train_options.h"

#include <gtest/gtest.h>

#include "common/base/error.h"

namespace ptk::train {
namespace {

TEST(TrainOptions, OverridesComeBackTyped) {
  config::Config config = config::resolve(
      trainer_schema(), "",
      {"train.global_batch=64", "train.accumulation=2", "train.clip_norm=1.5", "dist.rank=3",
       "dist.master_addr=10.0.0.1", "checkpoint.keep=5", "dist.backend=gloo"});
  TrainOptions options = train_options(config);
  EXPECT_EQ(options.global_batch, 64);
  EXPECT_EQ(options.accumulation, 2);
  EXPECT_DOUBLE_EQ(options.clip_norm, 1.5);
  EXPECT_EQ(options.launch.rank, 3);
  EXPECT_EQ(options.launch.world_size, -1);
  EXPECT_EQ(options.launch.master_addr, "10.0.0.1");
  EXPECT_EQ(options.checkpoint_keep, 5);
  EXPECT_EQ(options.backend, "gloo");
  EXPECT_TRUE(options.resume);
  // The optimizer and schedule sections come with the trainer's.
  EXPECT_NE(trainer_schema().find("optim.name"), nullptr);
  EXPECT_NE(trainer_schema().find("schedule.name"), nullptr);
}

void expect_usage_error_naming(const std::string& override_text, const std::string& key) {
  config::Config config = config::resolve(trainer_schema(), "", {override_text});
  try {
    train_options(config);
    ADD_FAILURE() << override_text << " was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
  }
}

TEST(TrainOptions, BadValuesAreUsageErrorsNamingTheKey) {
  expect_usage_error_naming("train.global_batch=0", "train.global_batch");
  expect_usage_error_naming("train.accumulation=-1", "train.accumulation");
  expect_usage_error_naming("train.clip_norm=-0.5", "train.clip_norm");
  expect_usage_error_naming("dist.backend=mpi", "dist.backend");
  expect_usage_error_naming("train.precision=fp16", "train.precision");
  expect_usage_error_naming("checkpoint.keep=0", "checkpoint.keep");
  expect_usage_error_naming("dist.rank=-2", "dist.rank");
}

}  // namespace
}  // namespace ptk::train
