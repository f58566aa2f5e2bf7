#include "common/config/verb_tool.h"

#include <gtest/gtest.h>

#include "common/base/error.h"

namespace ptk::config {
namespace {

struct Recorded {
  std::string verb;
  Config config;
};

std::vector<Verb> verbs(Recorded* recorded) {
  Schema prepare;
  prepare.add("prepare.out", "shards", "where shards go");
  Schema train;
  train.add("train.steps", 10, "optimizer steps");
  return {{"prepare", prepare,
           [recorded](const Config& config) {
             *recorded = {"prepare", config};
             return 0;
           }},
          {"train", train, [recorded](const Config& config) {
             *recorded = {"train", config};
             return 7;
           }}};
}

int run(std::vector<const char*> args, Recorded* recorded) {
  args.insert(args.begin(), "ptk-test");
  return run_verb_tool("ptk-test", "usage: ptk-test prepare|train\n", static_cast<int>(args.size()),
                       args.data(), verbs(recorded));
}

TEST(VerbTool, RunsTheVerbWithEveryVerbsKeysResolved) {
  Recorded recorded;
  EXPECT_EQ(run({"train", "prepare.out=/x", "train.steps=3"}, &recorded), 7);
  EXPECT_EQ(recorded.verb, "train");
  EXPECT_EQ(recorded.config.get_int("train.steps"), 3);
  EXPECT_EQ(recorded.config.get_string("prepare.out"), "/x");
}

TEST(VerbTool, UsageWithoutVerbExitsTwoAndHelpExitsZero) {
  Recorded recorded;
  ::testing::internal::CaptureStderr();
  EXPECT_EQ(run({}, &recorded), 2);
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "usage: ptk-test prepare|train\n");
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run({"--help"}, &recorded), 0);
  ::testing::internal::GetCapturedStdout();
  EXPECT_TRUE(recorded.verb.empty());
}

TEST(VerbTool, VerbHelpListsOnlyThatVerbsKeys) {
  Recorded recorded;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run({"prepare", "--help"}, &recorded), 0);
  std::string help = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(help.find("prepare.out"), std::string::npos) << help;
  EXPECT_EQ(help.find("train.steps"), std::string::npos) << help;
  EXPECT_TRUE(recorded.verb.empty());
}

TEST(VerbTool, DumpConfigPrintsAndDoesNotRun) {
  Recorded recorded;
  ::testing::internal::CaptureStdout();
  EXPECT_EQ(run({"train", "--dump-config", "train.steps=4"}, &recorded), 0);
  std::string dumped = ::testing::internal::GetCapturedStdout();
  EXPECT_NE(dumped.find("steps: 4"), std::string::npos) << dumped;
  EXPECT_TRUE(recorded.verb.empty());
}

TEST(VerbTool, PositionalArgumentsAndUnknownKeysAreUsageErrors) {
  Recorded recorded;
  try {
    run({"train", "somefile"}, &recorded);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("somefile"), std::string::npos);
  }
  EXPECT_THROW(run({"train", "train.stesp=3"}, &recorded), Error);
  EXPECT_TRUE(recorded.verb.empty());
}

}  // namespace
}  // namespace ptk::config
