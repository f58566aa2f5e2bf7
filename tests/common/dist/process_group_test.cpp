#include "common/dist/process_group.h"

#include <ATen/ATen.h>
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "common/base/error.h"
#include "tests/common/dist/rank_processes.h"

namespace ptk::dist {
namespace {

using ::ptk::dist::testing::env_int;
using Env = std::map<std::string, std::string>;

std::shared_ptr<ProcessGroup> join_from_environment() {
  return ProcessGroup::create(resolve_launch_env({}), BackendKind::kGloo, std::chrono::seconds(30));
}

class ProcessGroupRanks : public ::testing::TestWithParam<int> {};

TEST_P(ProcessGroupRanks, AllReduceSumsEveryTensorAcrossRanks) {
  PTK_RUN_IN_RANKS(GetParam(), Env{});
  auto group = join_from_environment();
  const int rank = group->rank();
  const int world = group->size();
  ASSERT_EQ(world, GetParam());
  ASSERT_EQ(rank, env_int("RANK"));
  const double rank_sum = world * (world - 1) / 2.0;

  // One contiguous tensor: reduced in place.
  std::vector<at::Tensor> one{at::full({7}, rank + 0.5, at::kFloat)};
  group->all_reduce_sum(one);
  EXPECT_TRUE(at::allclose(one[0], at::full({7}, rank_sum + 0.5 * world, at::kFloat)));

  // Several tensors of mixed dtypes, one of them a non-contiguous view: each is summed on its
  // own (not added together) and written back into the caller's storage.
  at::Tensor ints = at::arange(6, at::kLong).reshape({2, 3}) * (rank + 1);
  at::Tensor base = at::zeros({3, 4}, at::kDouble);
  at::Tensor transposed = base.t();
  transposed.fill_(static_cast<double>(rank));
  transposed[0][1] = 100.0 * rank;
  at::Tensor floats = at::full({2}, 1.0f, at::kFloat);
  std::vector<at::Tensor> several{ints, transposed, floats};
  group->all_reduce_sum(several);
  EXPECT_TRUE(at::equal(ints, at::arange(6, at::kLong).reshape({2, 3}) *
                                  static_cast<int64_t>(world * (world + 1) / 2)));
  EXPECT_DOUBLE_EQ(base[2][3].item<double>(), rank_sum);
  EXPECT_DOUBLE_EQ(transposed[0][1].item<double>(), 100.0 * rank_sum);
  EXPECT_DOUBLE_EQ(base[1][0].item<double>(), 100.0 * rank_sum);
  EXPECT_TRUE(at::equal(floats, at::full({2}, static_cast<float>(world), at::kFloat)));

  // Asynchronous: the values are there after wait().
  std::vector<at::Tensor> async{at::full({1000}, 2.0 * rank, at::kFloat)};
  auto work = group->all_reduce_sum_async(async);
  work->wait();
  EXPECT_TRUE(at::equal(async[0], at::full({1000}, static_cast<float>(2 * rank_sum), at::kFloat)));
}

TEST_P(ProcessGroupRanks, BroadcastCopiesTheRootsValues) {
  PTK_RUN_IN_RANKS(GetParam(), Env{});
  auto group = join_from_environment();
  const int rank = group->rank();
  const int root = group->size() - 1;
  at::Tensor a = at::full({4, 5}, static_cast<float>(rank), at::kFloat);
  at::Tensor b = at::arange(3, at::kInt) + 10 * rank;
  std::vector<at::Tensor> tensors{a, b};
  group->broadcast(tensors, root);
  EXPECT_TRUE(at::equal(a, at::full({4, 5}, static_cast<float>(root), at::kFloat)));
  EXPECT_TRUE(at::equal(b, at::arange(3, at::kInt) + 10 * root));
}

TEST_P(ProcessGroupRanks, BarrierWaitsForEveryRank) {
  const std::string dir_name =
      (std::filesystem::temp_directory_path() / ("ptk_barrier_" + std::to_string(::getpid())))
          .string();
  PTK_RUN_IN_RANKS(GetParam(), Env({{"PTK_DIST_TEST_DIR", dir_name}}));
  auto group = join_from_environment();
  std::filesystem::path dir = std::getenv("PTK_DIST_TEST_DIR");
  std::filesystem::create_directories(dir);
  // Later ranks arrive later: without a real barrier rank 0 would look too early.
  std::this_thread::sleep_for(std::chrono::milliseconds(150 * group->rank()));
  std::ofstream(dir / ("arrived_" + std::to_string(group->rank()))) << "x";
  group->barrier();
  for (int r = 0; r < group->size(); ++r) {
    EXPECT_TRUE(std::filesystem::exists(dir / ("arrived_" + std::to_string(r)))) << "rank " << r;
  }
  group->barrier();  // nobody removes the files while another rank still checks
  if (group->rank() == 0) std::filesystem::remove_all(dir);
}

// torchrun's mode: the launcher hosts the store and every rank, rank 0 included, is a client;
// each restart attempt keeps its keys apart, so a second attempt on the same store works.
TEST_P(ProcessGroupRanks, AgentStoreServesSuccessiveRestartAttempts) {
  if (!testing::in_rank_process()) {
    int port = testing::free_port();
    auto store = host_agent_store(port, GetParam(), std::chrono::seconds(60));
    for (int attempt : {0, 1}) {
      auto run = testing::run_ranks(GetParam(), port,
                                    {{"TORCHELASTIC_USE_AGENT_STORE", "True"},
                                     {"TORCHELASTIC_RESTART_COUNT", std::to_string(attempt)}});
      ASSERT_TRUE(run.ok) << "attempt " << attempt << ":\n" << run.report;
    }
    return;
  }
  LaunchEnv env = resolve_launch_env({});
  ASSERT_TRUE(env.use_agent_store);
  auto group = ProcessGroup::create(env, BackendKind::kGloo, std::chrono::seconds(30));
  std::vector<at::Tensor> t{at::full({3}, static_cast<float>(env.restart_count + group->rank()))};
  group->all_reduce_sum(t);
  const int world = group->size();
  EXPECT_FLOAT_EQ(t[0][2].item<float>(),
                  static_cast<float>(world * env.restart_count + world * (world - 1) / 2));
}

INSTANTIATE_TEST_SUITE_P(Worlds, ProcessGroupRanks, ::testing::Values(2, 3),
                         [](const auto& info) { return "world" + std::to_string(info.param); });

TEST(ProcessGroup, SingleProcessCollectivesLeaveValuesUnchanged) {
  auto group = ProcessGroup::single();
  EXPECT_EQ(group->rank(), 0);
  EXPECT_EQ(group->size(), 1);
  std::vector<at::Tensor> t{at::full({3}, 4.0f)};
  group->all_reduce_sum(t);
  group->all_reduce_sum_async(t)->wait();
  group->broadcast(t, 0);
  group->barrier();
  EXPECT_TRUE(at::equal(t[0], at::full({3}, 4.0f)));
  // A world of one never opens a store, whatever the address says.
  LaunchEnv env;
  env.master_port = 1;
  EXPECT_EQ(ProcessGroup::create(env, BackendKind::kGloo, std::chrono::seconds(1))->size(), 1);
}

TEST(ProcessGroup, ClientWithoutStoreFailsWithinTimeoutNamingTheAddress) {
  LaunchEnv env;
  env.rank = 1;
  env.world_size = 2;
  env.master_port = testing::free_port();  // nobody listens there
  auto start = std::chrono::steady_clock::now();
  try {
    ProcessGroup::create(env, BackendKind::kGloo, std::chrono::seconds(2));
    FAIL() << "joined a group whose store does not exist";
  } catch (const Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find("127.0.0.1:" + std::to_string(env.master_port)), std::string::npos)
        << message;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60));
}

TEST(ProcessGroup, HostingOnABusyPortFailsClearly) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_ANY);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  LaunchEnv env;
  env.rank = 0;
  env.world_size = 2;
  env.master_port = ntohs(addr.sin_port);
  try {
    ProcessGroup::create(env, BackendKind::kGloo, std::chrono::seconds(2));
    ADD_FAILURE() << "hosted a store on a port that is in use";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("host the rendezvous store"), std::string::npos)
        << e.what();
  }
  ::close(fd);
}

TEST(ProcessGroup, CollectiveInputsAreChecked) {
  EXPECT_THROW(parse_backend("mpi"), Error);
  EXPECT_EQ(parse_backend("nccl"), BackendKind::kNccl);
  auto group = ProcessGroup::single();
  std::vector<at::Tensor> t{at::ones({2})};
  EXPECT_THROW(group->broadcast(t, 1), Error);
}

}  // namespace
}  // namespace ptk::dist
