#include "common/dist/launch_env.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

#include "common/base/error.h"

namespace ptk::dist {
namespace {

// An environment made of exactly these variables.
GetEnv fake_env(const std::map<std::string, std::string>& vars) {
  auto owned = std::make_shared<std::map<std::string, std::string>>(vars);
  return [owned](const char* name) -> const char* {
    auto it = owned->find(name);
    return it == owned->end() ? nullptr : it->second.c_str();
  };
}

// The message of the ptk::Error that resolving throws ("" when it does not throw).
std::string error_of(const LaunchFlags& flags, const std::map<std::string, std::string>& vars) {
  try {
    resolve_launch_env(flags, fake_env(vars));
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(LaunchEnv, NoLauncherMeansSingleProcess) {
  LaunchEnv env = resolve_launch_env({}, fake_env({}));
  EXPECT_EQ(env.source, "single");
  EXPECT_EQ(env.rank, 0);
  EXPECT_EQ(env.world_size, 1);
  EXPECT_EQ(env.local_rank, 0);
  EXPECT_FALSE(env.distributed());
  EXPECT_FALSE(env.use_agent_store);
}

TEST(LaunchEnv, TorchrunVariablesIncludingAgentStoreAndRestartCount) {
  LaunchEnv env = resolve_launch_env({}, fake_env({{"RANK", "5"},
                                                   {"WORLD_SIZE", "8"},
                                                   {"LOCAL_RANK", "1"},
                                                   {"LOCAL_WORLD_SIZE", "4"},
                                                   {"GROUP_RANK", "1"},
                                                   {"MASTER_ADDR", "node-a"},
                                                   {"MASTER_PORT", "29400"},
                                                   {"TORCHELASTIC_RESTART_COUNT", "2"},
                                                   {"TORCHELASTIC_MAX_RESTARTS", "3"},
                                                   {"TORCHELASTIC_USE_AGENT_STORE", "True"}}));
  EXPECT_EQ(env.source, "torchrun");
  EXPECT_EQ(env.rank, 5);
  EXPECT_EQ(env.world_size, 8);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.local_world_size, 4);
  EXPECT_EQ(env.master_addr, "node-a");
  EXPECT_EQ(env.master_port, 29400);
  EXPECT_EQ(env.restart_count, 2);
  EXPECT_TRUE(env.use_agent_store);
  EXPECT_TRUE(env.distributed());
}

TEST(LaunchEnv, TorchrunWithoutAgentStoreLetsRankZeroHost) {
  LaunchEnv env = resolve_launch_env({}, fake_env({{"RANK", "0"},
                                                   {"WORLD_SIZE", "2"},
                                                   {"MASTER_ADDR", "127.0.0.1"},
                                                   {"MASTER_PORT", "1234"},
                                                   {"TORCHELASTIC_USE_AGENT_STORE", "False"}}));
  EXPECT_FALSE(env.use_agent_store);
  EXPECT_EQ(env.restart_count, 0);
  EXPECT_EQ(env.master_port, 1234);
}

TEST(LaunchEnv, SlurmVariables) {
  LaunchEnv env = resolve_launch_env({}, fake_env({{"SLURM_PROCID", "6"},
                                                   {"SLURM_NTASKS", "8"},
                                                   {"SLURM_LOCALID", "2"},
                                                   {"SLURM_TASKS_PER_NODE", "4(x2)"},
                                                   {"MASTER_ADDR", "head"},
                                                   {"MASTER_PORT", "23456"}}));
  EXPECT_EQ(env.source, "slurm");
  EXPECT_EQ(env.rank, 6);
  EXPECT_EQ(env.world_size, 8);
  EXPECT_EQ(env.local_rank, 2);
  EXPECT_EQ(env.local_world_size, 4);
  EXPECT_EQ(env.master_addr, "head");
  EXPECT_EQ(env.master_port, 23456);
  // Restart count and agent store are torchrun's; Slurm jobs never use them.
  EXPECT_EQ(env.restart_count, 0);
  EXPECT_FALSE(env.use_agent_store);
}

TEST(LaunchEnv, OpenMpiVariables) {
  LaunchEnv env = resolve_launch_env({}, fake_env({{"OMPI_COMM_WORLD_RANK", "3"},
                                                   {"OMPI_COMM_WORLD_SIZE", "4"},
                                                   {"OMPI_COMM_WORLD_LOCAL_RANK", "1"},
                                                   {"OMPI_COMM_WORLD_LOCAL_SIZE", "2"}}));
  EXPECT_EQ(env.source, "openmpi");
  EXPECT_EQ(env.rank, 3);
  EXPECT_EQ(env.world_size, 4);
  EXPECT_EQ(env.local_rank, 1);
  EXPECT_EQ(env.local_world_size, 2);
  EXPECT_EQ(env.master_addr, "127.0.0.1");
  EXPECT_EQ(env.master_port, 29500);
}

TEST(LaunchEnv, MpichVariables) {
  LaunchEnv env = resolve_launch_env({}, fake_env({{"PMI_RANK", "2"}, {"PMI_SIZE", "3"}}));
  EXPECT_EQ(env.source, "mpich");
  EXPECT_EQ(env.rank, 2);
  EXPECT_EQ(env.world_size, 3);
}

TEST(LaunchEnv, TorchrunTakesPrecedenceOverSlurm) {
  // torchrun started inside an srun step: the per-worker variables are torchrun's.
  LaunchEnv env = resolve_launch_env(
      {},
      fake_env({{"RANK", "1"}, {"WORLD_SIZE", "4"}, {"SLURM_PROCID", "0"}, {"SLURM_NTASKS", "1"}}));
  EXPECT_EQ(env.source, "torchrun");
  EXPECT_EQ(env.rank, 1);
  EXPECT_EQ(env.world_size, 4);
}

TEST(LaunchEnv, FlagsOverrideEnvironment) {
  LaunchFlags flags;
  flags.rank = 1;
  flags.world_size = 2;
  flags.master_addr = "10.1.2.3";
  flags.master_port = 4000;
  LaunchEnv env = resolve_launch_env(flags, fake_env({{"RANK", "3"},
                                                      {"WORLD_SIZE", "4"},
                                                      {"MASTER_ADDR", "node-a"},
                                                      {"MASTER_PORT", "29400"}}));
  EXPECT_EQ(env.source, "flags");
  EXPECT_EQ(env.rank, 1);
  EXPECT_EQ(env.world_size, 2);
  EXPECT_EQ(env.master_addr, "10.1.2.3");
  EXPECT_EQ(env.master_port, 4000);
}

TEST(LaunchEnv, FlagsAloneDescribeOneMachine) {
  LaunchFlags flags;
  flags.rank = 2;
  flags.world_size = 3;
  LaunchEnv env = resolve_launch_env(flags, fake_env({}));
  EXPECT_EQ(env.source, "flags");
  EXPECT_EQ(env.rank, 2);
  EXPECT_EQ(env.local_rank, 2);
  EXPECT_EQ(env.local_world_size, 3);
}

TEST(LaunchEnv, PortFlagAloneKeepsTheLauncher) {
  LaunchFlags flags;
  flags.master_port = 31000;
  LaunchEnv env = resolve_launch_env(flags, fake_env({{"RANK", "0"}, {"WORLD_SIZE", "2"}}));
  EXPECT_EQ(env.source, "torchrun");
  EXPECT_EQ(env.master_port, 31000);
}

TEST(LaunchEnv, RankNotBelowWorldSizeNamesTheVariable) {
  std::string message = error_of({}, {{"RANK", "4"}, {"WORLD_SIZE", "4"}});
  EXPECT_NE(message.find("RANK"), std::string::npos) << message;
  EXPECT_NE(message.find("0..3"), std::string::npos) << message;
  message = error_of({}, {{"SLURM_PROCID", "9"}, {"SLURM_NTASKS", "2"}});
  EXPECT_NE(message.find("SLURM_PROCID"), std::string::npos) << message;
}

TEST(LaunchEnv, NonNumericValueNamesTheVariable) {
  std::string message = error_of({}, {{"RANK", "one"}, {"WORLD_SIZE", "2"}});
  EXPECT_NE(message.find("RANK='one'"), std::string::npos) << message;
  message = error_of({}, {{"RANK", "0"}, {"WORLD_SIZE", "2x"}});
  EXPECT_NE(message.find("WORLD_SIZE"), std::string::npos) << message;
  message = error_of({}, {{"OMPI_COMM_WORLD_RANK", "0"}, {"OMPI_COMM_WORLD_SIZE", "99999999999"}});
  EXPECT_NE(message.find("OMPI_COMM_WORLD_SIZE"), std::string::npos) << message;
}

TEST(LaunchEnv, PortOutOfRangeNamesTheVariable) {
  std::string message =
      error_of({}, {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "70000"}});
  EXPECT_NE(message.find("MASTER_PORT"), std::string::npos) << message;
  message = error_of({}, {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"MASTER_PORT", "0"}});
  EXPECT_NE(message.find("MASTER_PORT"), std::string::npos) << message;
  LaunchFlags flags;
  flags.master_port = 65536;
  message = error_of(flags, {});
  EXPECT_NE(message.find("master_port"), std::string::npos) << message;
}

TEST(LaunchEnv, BadTorchrunExtrasNameTheVariable) {
  std::string message =
      error_of({}, {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"TORCHELASTIC_USE_AGENT_STORE", "maybe"}});
  EXPECT_NE(message.find("TORCHELASTIC_USE_AGENT_STORE"), std::string::npos) << message;
  message =
      error_of({}, {{"RANK", "0"}, {"WORLD_SIZE", "2"}, {"TORCHELASTIC_RESTART_COUNT", "-1"}});
  EXPECT_NE(message.find("TORCHELASTIC_RESTART_COUNT"), std::string::npos) << message;
}

TEST(LaunchEnv, LocalRankOutsideLocalWorldNamesTheVariable) {
  std::string message = error_of(
      {}, {{"RANK", "0"}, {"WORLD_SIZE", "4"}, {"LOCAL_RANK", "2"}, {"LOCAL_WORLD_SIZE", "2"}});
  EXPECT_NE(message.find("LOCAL_RANK"), std::string::npos) << message;
}

TEST(LaunchEnv, BadFlagIsAUsageErrorNamingTheFlag) {
  LaunchFlags flags;
  flags.rank = 3;
  flags.world_size = 2;
  try {
    resolve_launch_env(flags, fake_env({}));
    FAIL() << "rank 3 of 2 was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    EXPECT_NE(std::string(e.what()).find("'rank'"), std::string::npos) << e.what();
  }
}

TEST(LaunchEnv, ReadsTheProcessEnvironmentByDefault) {
  ::setenv("PMI_RANK", "1", 1);
  ::setenv("PMI_SIZE", "2", 1);
  LaunchEnv env = resolve_launch_env({});
  ::unsetenv("PMI_RANK");
  ::unsetenv("PMI_SIZE");
  // RANK/WORLD_SIZE may be inherited when the tests themselves run under a launcher.
  if (std::getenv("RANK") == nullptr && std::getenv("SLURM_PROCID") == nullptr &&
      std::getenv("OMPI_COMM_WORLD_RANK") == nullptr) {
    EXPECT_EQ(env.source, "mpich");
    EXPECT_EQ(env.rank, 1);
    EXPECT_EQ(env.world_size, 2);
  }
}

}  // namespace
}  // namespace ptk::dist
