// Phases of the bert recipe: one phase from the train.* keys, per-phase lists, run directories
// and per-phase config values, and the errors for lists that do not line up.
#include <gtest/gtest.h>

#include <string>

#include "common/base/error.h"
#include "common/config/config.h"
#include "recipes/bert/bert_phases.h"

namespace ptk::recipes {
namespace {

config::Config make_config(std::map<std::string, config::Value> overrides) {
  config::Schema schema = bert_phases_schema();
  schema.add("train.steps", 100, "")
      .add("train.global_batch", 32, "")
      .add("train.accumulation", 1, "")
      .add("data.max_seq_length", 128, "")
      .add("data.shards", "", "")
      .add("masking.max_predictions", 20, "")
      .add("optim.lr", config::Value(0.0), "")
      .add("schedule.warmup_steps", 0, "")
      .add("schedule.warmup_fraction", config::Value(0.0), "")
      .add("run.dir", "runs/x", "");
  std::map<std::string, config::Value> values;
  for (const auto& option : schema.options()) values[option.first] = option.second.default_value;
  for (auto& [key, value] : overrides) values[key] = value;
  return config::Config(values);
}

TEST(BertPhases, WithoutPhaseListsOnePhaseUsesTheTrainKeys) {
  const auto phases = bert_phases(make_config({}));
  ASSERT_EQ(phases.size(), 1u);
  EXPECT_EQ(phases[0].steps, 100);
  EXPECT_EQ(phases[0].global_batch, 32);
  EXPECT_EQ(phases[0].max_seq_length, 128);
  EXPECT_EQ(phases[0].max_predictions, 20);
  EXPECT_EQ(phases[0].run_dir, "runs/x/phase1");
}

TEST(BertPhases, ListsGiveEachPhaseItsLengthBatchAndLr) {
  const config::Config config =
      make_config({{"phases.steps", std::vector<int64_t>{90, 10}},
                   {"phases.max_seq_length", std::vector<int64_t>{128, 512}},
                   {"phases.global_batch", std::vector<int64_t>{64, 16}},
                   {"phases.accumulation", std::vector<int64_t>{1, 4}},
                   {"phases.lr", std::vector<double>{6e-3, 4e-3}},
                   {"phases.warmup_steps", std::vector<int64_t>{20, 2}}});
  const auto phases = bert_phases(config);
  ASSERT_EQ(phases.size(), 2u);
  EXPECT_EQ(phases[1].max_seq_length, 512);
  EXPECT_EQ(phases[1].max_predictions, 20);  // masking.max_predictions for every phase
  EXPECT_EQ(phases[1].run_dir, "runs/x/phase2");
  EXPECT_EQ(phase_lengths(config), (std::vector<int64_t>{128, 512}));
  const config::Config second = phase_config(config, phases[1]);
  EXPECT_EQ(second.get_int("train.steps"), 10);
  EXPECT_EQ(second.get_int("train.global_batch"), 16);
  EXPECT_EQ(second.get_int("train.accumulation"), 4);
  EXPECT_EQ(second.get_int("data.max_seq_length"), 512);
  EXPECT_DOUBLE_EQ(second.get_float("optim.lr"), 4e-3);
  EXPECT_EQ(second.get_int("schedule.warmup_steps"), 2);
  EXPECT_EQ(second.get_string("run.dir"), "runs/x/phase2");
  EXPECT_EQ(shard_dir_for_length("out", 512), "out/seq512");
}

TEST(BertPhases, MismatchedOrBadListsAreUsageErrors) {
  EXPECT_THROW(bert_phases(make_config({{"phases.steps", std::vector<int64_t>{90, 10}},
                                        {"phases.max_seq_length", std::vector<int64_t>{128}}})),
               Error);
  EXPECT_THROW(bert_phases(make_config({{"phases.max_seq_length", std::vector<int64_t>{128}}})),
               Error);
  EXPECT_THROW(bert_phases(make_config({{"phases.steps", std::vector<int64_t>{90, 0}}})), Error);
  EXPECT_THROW(bert_phases(make_config({{"phases.steps", std::vector<int64_t>{9}},
                                        {"phases.lr", std::vector<double>{1e-3, 2e-3}}})),
               Error);
  EXPECT_THROW(resolve_phase_shards(make_config({{"data.shards", std::string("/nonexistent")}}),
                                    bert_phases(make_config({}))[0]),
               Error);
}

}  // namespace
}  // namespace ptk::recipes
