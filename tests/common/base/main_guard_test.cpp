#include "common/base/main_guard.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "common/base/error.h"

namespace ptk {
namespace {

TEST(MainGuard, UsageErrorPrintsOneLineAndExitsTwo) {
  ::testing::internal::CaptureStderr();
  int code = run_main("ptk-test", []() -> int { throw usage_error("unknown verb 'x'"); });
  std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 2);
  EXPECT_EQ(printed, "ptk-test: error: unknown verb 'x'\n");
}

TEST(MainGuard, RuntimeErrorExitsOne) {
  ::testing::internal::CaptureStderr();
  int code = run_main("ptk-test", []() -> int { throw Error("shard 'a.h5' is truncated"); });
  EXPECT_EQ(::testing::internal::GetCapturedStderr(),
            "ptk-test: error: shard 'a.h5' is truncated\n");
  EXPECT_EQ(code, 1);
}

TEST(MainGuard, ForeignExceptionKeepsFirstLineOnly) {
  ::testing::internal::CaptureStderr();
  int code = run_main("ptk-test", []() -> int { throw std::runtime_error("first\nsecond"); });
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "ptk-test: error: first\n");
  EXPECT_EQ(code, 1);
}

TEST(MainGuard, ReturnsBodyExitCode) {
  EXPECT_EQ(run_main("ptk-test", [] { return 0; }), 0);
}

}  // namespace
}  // namespace ptk
