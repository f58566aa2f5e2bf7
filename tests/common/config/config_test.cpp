#include "common/config/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "common/base/error.h"

namespace ptk::config {
namespace {

Schema test_schema() {
  Schema schema;
  schema.add("train.global_batch", 256, "samples per optimizer step, all ranks together")
      .add("train.max_steps", 1000, "optimizer steps")
      .add("train.nesterov", Value(true), "use Nesterov momentum")
      .add("optim.lr_per_256", Value(0.1), "learning rate per 256 samples")
      .add("optim.betas", Value(std::vector<double>{0.9, 0.999}), "Adam betas")
      .add("schedule.milestones", Value(std::vector<int64_t>{30, 60}), "step decay milestones")
      .add("data.shards", "", "shard set directory")
      .add("optim.no_decay", Value(std::vector<std::string>{"bias"}), "no weight decay");
  return schema;
}

std::string write_temp(const std::string& name, const std::string& text) {
  std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << text;
  return path;
}

std::string usage_error_of(const std::function<void()>& body) {
  try {
    body();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "no error thrown";
  return "";
}

TEST(Config, DefaultsWhenNothingGiven) {
  Config config = resolve(test_schema(), "", {});
  EXPECT_EQ(config.get_int("train.global_batch"), 256);
  EXPECT_DOUBLE_EQ(config.get_float("optim.lr_per_256"), 0.1);
  EXPECT_TRUE(config.get_bool("train.nesterov"));
  EXPECT_EQ(config.get_string("data.shards"), "");
  EXPECT_EQ(config.get_int_list("schedule.milestones"), (std::vector<int64_t>{30, 60}));
}

TEST(Config, FileThenOverridesInOrder) {
  std::string path = write_temp("order.yaml",
                                "train:\n  global_batch: 8064\n  nesterov: false\n"
                                "optim:\n  betas: [0.8, 0.95]\n  no_decay: [bias, LayerNorm]\n");
  Config config = resolve(test_schema(), path,
                          {"train.max_steps=20", "optim.lr_per_256=0.2", "train.max_steps=30",
                           "schedule.milestones=[5, 10, 15]", "data.shards=/data/x"});
  EXPECT_EQ(config.get_int("train.global_batch"), 8064);
  EXPECT_FALSE(config.get_bool("train.nesterov"));
  EXPECT_EQ(config.get_int("train.max_steps"), 30);
  EXPECT_DOUBLE_EQ(config.get_float("optim.lr_per_256"), 0.2);
  EXPECT_EQ(config.get_float_list("optim.betas"), (std::vector<double>{0.8, 0.95}));
  EXPECT_EQ(config.get_string_list("optim.no_decay"),
            (std::vector<std::string>{"bias", "LayerNorm"}));
  EXPECT_EQ(config.get_int_list("schedule.milestones"), (std::vector<int64_t>{5, 10, 15}));
  EXPECT_EQ(config.get_string("data.shards"), "/data/x");
}

TEST(Config, IntegerGivenForFloatIsWidened) {
  Config config = resolve(test_schema(), "", {"optim.lr_per_256=1"});
  EXPECT_DOUBLE_EQ(config.get_float("optim.lr_per_256"), 1.0);
}

TEST(Config, UnknownOverrideKeySuggestsNearest) {
  std::string message = usage_error_of([] { resolve(test_schema(), "", {"train.globl_batch=3"}); });
  EXPECT_NE(message.find("'train.globl_batch'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'train.global_batch'"), std::string::npos) << message;
}

TEST(Config, RightLeafInWrongSectionSuggestsDeclaredKey) {
  std::string message =
      usage_error_of([] { resolve(test_schema(), "", {"optim.global_batch=3"}); });
  EXPECT_NE(message.find("did you mean 'train.global_batch'"), std::string::npos) << message;
}

TEST(Config, UnknownFileKeyNamesFileAndNearest) {
  std::string path = write_temp("unknown.yaml", "train:\n  max_step: 5\n");
  std::string message = usage_error_of([&] { resolve(test_schema(), path, {}); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("'train.max_step'"), std::string::npos) << message;
  EXPECT_NE(message.find("'train.max_steps'"), std::string::npos) << message;
}

TEST(Config, WrongTypesAreErrorsNamingKeyAndType) {
  Schema schema = test_schema();
  std::string message = usage_error_of([&] { resolve(schema, "", {"train.global_batch=1.5"}); });
  EXPECT_NE(message.find("'train.global_batch' expects int, got '1.5'"), std::string::npos)
      << message;
  message = usage_error_of([&] { resolve(schema, "", {"train.nesterov=maybe"}); });
  EXPECT_NE(message.find("expects bool"), std::string::npos) << message;
  message = usage_error_of([&] { resolve(schema, "", {"optim.betas=0.9"}); });
  EXPECT_NE(message.find("expects float list"), std::string::npos) << message;
  message = usage_error_of([&] { resolve(schema, "", {"schedule.milestones=[1, x]"}); });
  EXPECT_NE(message.find("expects int list"), std::string::npos) << message;
  std::string path = write_temp("section.yaml", "train: 5\n");
  message = usage_error_of([&] { resolve(schema, path, {}); });
  EXPECT_NE(message.find("'train'"), std::string::npos) << message;
}

TEST(Config, MalformedYamlNamesFileAndLine) {
  std::string path = write_temp("bad.yaml", "train:\n  global_batch: 4\n  max_steps: [1, 2\n");
  std::string message = usage_error_of([&] { resolve(test_schema(), path, {}); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("line"), std::string::npos) << message;
}

TEST(Config, MissingFileIsUsageError) {
  std::string message =
      usage_error_of([] { resolve(test_schema(), "/nonexistent/dir/config.yaml", {}); });
  EXPECT_NE(message.find("/nonexistent/dir/config.yaml"), std::string::npos) << message;
}

TEST(Config, OverrideWithoutEqualsIsUsageError) {
  usage_error_of([] { resolve(test_schema(), "", {"=3"}); });
}

TEST(Config, DumpedYamlResolvesToSameConfig) {
  Schema schema = test_schema();
  Config config = resolve(schema, "",
                          {"optim.lr_per_256=0.30000000000000004", "data.shards=true",
                           "optim.no_decay=[\"a b\", \"yes\", \"1\"]", "train.global_batch=-7"});
  std::string text = config.to_yaml();
  Config again = resolve_text(schema, text, "dumped");
  EXPECT_EQ(again.values(), config.values()) << text;
  EXPECT_NE(text.find("train:\n  global_batch: -7"), std::string::npos) << text;
}

// Found by tests/fuzz/config_fuzzer: a Latin-1 override was kept as is and rendered by to_yaml
// (the config stored in checkpoints) as U+FFFD, so the saved config differed from the run's.
TEST(Config, StringValuesMustBeUtf8) {
  Schema schema = test_schema();
  std::string message = usage_error_of([&] { resolve(schema, "", {"data.shards=caf\xe9"}); });
  EXPECT_NE(message.find("'data.shards'"), std::string::npos) << message;
  EXPECT_NE(message.find("not valid UTF-8"), std::string::npos) << message;
  message = usage_error_of([&] { resolve(schema, "", {"optim.no_decay=[ok, \"b\xc3\"]"}); });
  EXPECT_NE(message.find("'optim.no_decay'"), std::string::npos) << message;
  usage_error_of([&] { resolve(schema, "", {"data.shards=\xed\xa0\x80"}); });  // a surrogate

  Config config = resolve(schema, "", {"data.shards=caf\xc3\xa9 \xf0\x9f\x98\x80"});
  Config again = resolve_text(schema, config.to_yaml(), "dumped");
  EXPECT_EQ(again.get_string("data.shards"), "caf\xc3\xa9 \xf0\x9f\x98\x80");
}

TEST(Config, SaveWritesResolvedYaml) {
  Schema schema = test_schema();
  Config config = resolve(schema, "", {"train.max_steps=12"});
  std::string path = ::testing::TempDir() + "saved_config.yaml";
  config.save(path);
  Config loaded = resolve(schema, path, {});
  EXPECT_EQ(loaded.get_int("train.max_steps"), 12);
}

TEST(Config, HelpListsEveryKeyWithTypeAndDefault) {
  std::string help = test_schema().help();
  EXPECT_NE(help.find("train.global_batch"), std::string::npos);
  EXPECT_NE(help.find("256"), std::string::npos);
  EXPECT_NE(help.find("float list"), std::string::npos);
  EXPECT_NE(help.find("learning rate per 256 samples"), std::string::npos);
}

TEST(Config, WithReplacesValueOfSameType) {
  Config config = resolve(test_schema(), "", {});
  Config changed = config.with("train.max_steps", Value(int64_t{5}));
  EXPECT_EQ(changed.get_int("train.max_steps"), 5);
  EXPECT_EQ(config.get_int("train.max_steps"), 1000);
  EXPECT_THROW(config.with("train.max_steps", Value(1.5)), Error);
}

}  // namespace
}  // namespace ptk::config
