// Multi-process test harness: a test re-executes its own binary as N rank processes, each
// running only the current test with the environment a launcher would set (RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT, ...). Children that outlive the deadline are killed, and the log
// of any rank that failed is printed, so a broken collective fails the test instead of hanging.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "common/dist/free_port.h"

namespace ptk::dist::testing {

// True inside a rank process started by run_ranks().
bool in_rank_process();
// This rank process's RANK / WORLD_SIZE (as set by run_ranks()).
int env_int(const char* name);

using ::ptk::dist::free_port;  // a TCP port that was free a moment ago

struct RankRun {
  bool ok = true;
  std::string report;  // per-rank exit status and, for failed ranks, their output
};

// Starts `world` copies of this test binary filtered to the current test, waits for all (at
// most `deadline`, then kills the rest) and reports. `extra_env` is added to every rank's
// environment; "{rank}" in a value is replaced by the rank.
RankRun run_ranks(int world, int master_port, const std::map<std::string, std::string>& extra_env,
                  std::chrono::seconds deadline = std::chrono::seconds(90));

}  // namespace ptk::dist::testing

// In a test body: in the parent, runs the same test in `world` rank processes (with
// `extra_env`, a std::map<std::string, std::string>) and checks that every rank passed, then
// returns; in a rank process, falls through to the rest of the body.
#define PTK_RUN_IN_RANKS(world, extra_env)                                                        \
  if (!::ptk::dist::testing::in_rank_process()) {                                                 \
    auto ptk_run =                                                                                \
        ::ptk::dist::testing::run_ranks((world), ::ptk::dist::testing::free_port(), (extra_env)); \
    ASSERT_TRUE(ptk_run.ok) << "world " << (world) << ":\n" << ptk_run.report;                    \
    return;                                                                                       \
  }
