// parallel_for: every index exactly once whatever the thread count, and a worker's exception
// reaches the caller with its type after every thread has stopped.
#include "common/base/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

#include "common/base/error.h"

namespace ptk {
namespace {

TEST(ParallelFor, EveryIndexOnceForAnyThreadCount) {
  for (const int threads : {1, 2, 3, 8, 100}) {
    std::vector<std::atomic<int>> hits(37);
    parallel_for(37, threads, [&](int64_t i) { ++hits[i]; });
    for (const auto& hit : hits) EXPECT_EQ(hit.load(), 1) << threads << " threads";
  }
  parallel_for(0, 4, [](int64_t) { FAIL() << "called for an empty range"; });
}

TEST(ParallelFor, AWorkersErrorIsRethrownWithItsType) {
  std::atomic<int> done{0};
  try {
    parallel_for(20, 4, [&](int64_t i) {
      if (i == 13) throw Error("record 13 is damaged");
      ++done;
    });
    FAIL() << "the error was swallowed";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "record 13 is damaged");
  }
  EXPECT_GE(done.load(), 4);  // the other threads ran their share
}

}  // namespace
}  // namespace ptk
