#include "common/dist/job_ranks.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "common/base/error.h"
#include "common/dist/process_group.h"
#include "tests/common/dist/rank_processes.h"

namespace ptk::dist {
namespace {

using Env = std::map<std::string, std::string>;

TEST(JobRanks, OneProcessKeepsTheDeviceAsGiven) {
  const JobRanks ranks = JobRanks::join(std::chrono::seconds(30));
  EXPECT_EQ(ranks.world(), 1);
  EXPECT_EQ(ranks.group()->size(), 1);
  EXPECT_EQ(ranks.device_for_rank("cuda"), "cuda");
  EXPECT_EQ(ranks.device_for_rank("cpu"), "cpu");
}

TEST(JobRanks, RanksOfANodeSpreadOverItsGpusAndAgreeOnFailures) {
  PTK_RUN_IN_RANKS(2, Env{});
  const JobRanks ranks = JobRanks::join(std::chrono::seconds(30));
  EXPECT_EQ(ranks.world(), 2);
  EXPECT_EQ(ranks.group()->rank(), ranks.rank());
  EXPECT_EQ(ranks.local_rank(), ranks.rank());
  EXPECT_EQ(ranks.device_for_rank("cuda"), "cuda:" + std::to_string(ranks.local_rank()));
  EXPECT_EQ(ranks.device_for_rank("cuda:1"), "cuda:1");
  EXPECT_EQ(ranks.device_for_rank("cpu"), "cpu");
  EXPECT_EQ(ranks.broadcast_from_rank0(ranks.rank() == 0 ? "from rank 0" : "other"), "from rank 0");
  // Only rank 1 fails: rank 0 learns that a rank failed instead of waiting for it.
  try {
    ranks.run_stage("testing", [&] {
      if (ranks.rank() == 1) throw Error("rank 1's own failure");
    });
    ADD_FAILURE() << "run_stage returned although rank 1 failed";
  } catch (const Error& e) {
    const std::string expected =
        ranks.rank() == 1 ? "rank 1's own failure" : "another rank failed while testing";
    EXPECT_NE(std::string(e.what()).find(expected), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk::dist
