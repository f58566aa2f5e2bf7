#include "common/config/command_line.h"

#include <gtest/gtest.h>

#include "common/base/error.h"

namespace ptk::config {
namespace {

CommandLine parse(std::vector<const char*> args, const std::vector<std::string>& verbs) {
  args.insert(args.begin(), "ptk-test");
  return parse_command_line(static_cast<int>(args.size()), args.data(), verbs);
}

TEST(CommandLine, VerbConfigOverridesAndFlags) {
  CommandLine line =
      parse({"train", "--config", "wsl.yaml", "train.max_steps=3", "--dump-config", "optim.lr=0.5"},
            {"prepare", "train"});
  EXPECT_EQ(line.verb, "train");
  EXPECT_EQ(line.config_path, "wsl.yaml");
  EXPECT_EQ(line.overrides, (std::vector<std::string>{"train.max_steps=3", "optim.lr=0.5"}));
  EXPECT_TRUE(line.dump_config);
  EXPECT_FALSE(line.help);
}

TEST(CommandLine, ConfigWithEqualsAndPositionals) {
  CommandLine line = parse({"--config=a.yaml", "some/dir"}, {});
  EXPECT_EQ(line.config_path, "a.yaml");
  EXPECT_EQ(line.positionals, (std::vector<std::string>{"some/dir"}));
}

TEST(CommandLine, HelpWithoutVerb) {
  EXPECT_TRUE(parse({"--help"}, {"train"}).help);
  EXPECT_TRUE(parse({"train", "-h"}, {"train"}).help);
}

TEST(CommandLine, UnknownVerbAndOptionAreUsageErrors) {
  try {
    parse({"trian"}, {"prepare", "train"});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.exit_code(), 2);
    EXPECT_NE(std::string(e.what()).find("prepare, train"), std::string::npos);
  }
  EXPECT_THROW(parse({"train", "--bogus"}, {"train"}), Error);
  EXPECT_THROW(parse({}, {"train"}), Error);
  EXPECT_THROW(parse({"train", "--config"}, {"train"}), Error);
}

TEST(CommandLine, ResolveAppliesOverridesOverFile) {
  Schema schema;
  schema.add("train.max_steps", 10, "steps");
  CommandLine line = parse({"train.max_steps=4"}, {});
  EXPECT_EQ(resolve_command_line(schema, line).get_int("train.max_steps"), 4);
}

}  // namespace
}  // namespace ptk::config
