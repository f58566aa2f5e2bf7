#include "common/base/error.h"

#include <gtest/gtest.h>

#include <string>

namespace ptk {
namespace {

TEST(Error, FormatsTheMessageAndKeepsTheExitCodeOfItsKind) {
  const Error runtime = error("shard '{}': {} records, {:.2f} MB", "a.h5", 3, 1.5);
  EXPECT_STREQ(runtime.what(), "shard 'a.h5': 3 records, 1.50 MB");
  EXPECT_EQ(runtime.exit_code(), 1);
  const Error usage = usage_error("train.steps must be >= {}, got {}", 0, -1);
  EXPECT_STREQ(usage.what(), "train.steps must be >= 0, got -1");
  EXPECT_EQ(usage.exit_code(), 2);
}

TEST(Error, AMessageWithoutArgumentsIsTakenAsItStandsBracesIncluded) {
  const std::string built = "key {not a placeholder}";
  EXPECT_STREQ(error(built).what(), "key {not a placeholder}");
  EXPECT_STREQ(usage_error("literal {}").what(), "literal {}");
}

TEST(Error, FailIfThrowsOnlyWhenTheConditionHolds) {
  EXPECT_NO_THROW(fail_if(false, "never {}", 1));
  try {
    fail_if(true, "'{}': line {} is broken", "m.jsonl", 7);
    FAIL() << "fail_if(true, ...) returned";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "'m.jsonl': line 7 is broken");
    EXPECT_EQ(e.kind(), ErrorKind::kRuntime);
  }
}

}  // namespace
}  // namespace ptk
