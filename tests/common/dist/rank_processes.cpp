#include "tests/common/dist/rank_processes.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

extern char** environ;

namespace ptk::dist::testing {
namespace {

constexpr const char* kRoleVar = "PTK_DIST_TEST_RANK_PROCESS";

std::string replace_rank(std::string value, int rank) {
  const std::string token = "{rank}";
  for (size_t at = value.find(token); at != std::string::npos; at = value.find(token)) {
    value.replace(at, token.size(), std::to_string(rank));
  }
  return value;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

bool in_rank_process() {
  const char* role = std::getenv(kRoleVar);
  return role != nullptr && std::string(role) == "1";
}

int env_int(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr) throw std::runtime_error(std::string(name) + " is not set");
  return std::atoi(value);
}

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error("socket() failed");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    throw std::runtime_error("cannot bind an ephemeral port");
  }
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

RankRun run_ranks(int world, int master_port, const std::map<std::string, std::string>& extra_env,
                  std::chrono::seconds deadline) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string filter =
      std::string("--gtest_filter=") + info->test_suite_name() + "." + info->name();
  std::string log_dir_template =
      (std::filesystem::temp_directory_path() / "ptk_dist_test_XXXXXX").string();
  if (::mkdtemp(log_dir_template.data()) == nullptr) return {false, "mkdtemp failed"};
  std::string log_dir = log_dir_template;

  // The launcher's variables replace any the test runner inherited (e.g. under torchrun).
  std::vector<std::string> own = {kRoleVar,           "RANK",        "WORLD_SIZE", "LOCAL_RANK",
                                  "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"};
  for (const auto& [key, value] : extra_env) own.push_back(key);
  std::vector<std::string> inherited;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry(*e);
    std::string key = entry.substr(0, entry.find('='));
    bool replaced = false;
    for (const std::string& k : own) replaced = replaced || k == key;
    if (!replaced) inherited.push_back(entry);
  }

  std::vector<pid_t> pids(world, -1);
  std::vector<std::string> logs(world);
  for (int rank = 0; rank < world; ++rank) {
    std::vector<std::string> env = inherited;
    env.push_back(std::string(kRoleVar) + "=1");
    env.push_back("RANK=" + std::to_string(rank));
    env.push_back("WORLD_SIZE=" + std::to_string(world));
    env.push_back("LOCAL_RANK=" + std::to_string(rank));
    env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(world));
    env.push_back("MASTER_ADDR=127.0.0.1");
    env.push_back("MASTER_PORT=" + std::to_string(master_port));
    for (const auto& [key, value] : extra_env) env.push_back(key + "=" + replace_rank(value, rank));
    std::vector<char*> envp;
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);

    std::string exe = "/proc/self/exe";
    std::string no_color = "--gtest_color=no";
    std::vector<char*> argv = {exe.data(), filter.data(), no_color.data(), nullptr};
    logs[rank] = log_dir + "/rank" + std::to_string(rank) + ".log";
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, logs[rank].c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    pid_t pid = -1;
    int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      for (pid_t p : pids) {
        if (p > 0) {
          ::kill(p, SIGKILL);
          ::waitpid(p, nullptr, 0);
        }
      }
      return {false, "cannot start rank " + std::to_string(rank)};
    }
    pids[rank] = pid;
  }

  std::vector<int> status(world, -1);
  std::vector<bool> done(world, false);
  auto until = std::chrono::steady_clock::now() + deadline;
  int remaining = world;
  bool timed_out = false;
  while (remaining > 0) {
    for (int rank = 0; rank < world; ++rank) {
      if (done[rank]) continue;
      int st = 0;
      if (::waitpid(pids[rank], &st, WNOHANG) == pids[rank]) {
        done[rank] = true;
        status[rank] = st;
        --remaining;
      }
    }
    if (remaining == 0) break;
    if (std::chrono::steady_clock::now() > until) {
      timed_out = true;
      for (int rank = 0; rank < world; ++rank) {
        if (!done[rank]) {
          ::kill(pids[rank], SIGKILL);
          ::waitpid(pids[rank], &status[rank], 0);
        }
      }
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }

  RankRun run;
  std::ostringstream report;
  if (timed_out) report << "ranks still running after " << deadline.count() << " s were killed\n";
  for (int rank = 0; rank < world; ++rank) {
    int st = status[rank];
    bool ok = done[rank] && WIFEXITED(st) && WEXITSTATUS(st) == 0;
    std::string log = read_file(logs[rank]);
    // A filter that matched nothing exits 0 too: insist that the test actually ran.
    if (ok && log.find("[  PASSED  ] 1 test") == std::string::npos) ok = false;
    if (!ok) {
      run.ok = false;
      report << "---- rank " << rank << " failed ("
             << (!done[rank]       ? "killed"
                 : WIFEXITED(st)   ? "exit " + std::to_string(WEXITSTATUS(st))
                 : WIFSIGNALED(st) ? "signal " + std::to_string(WTERMSIG(st))
                                   : "unknown")
             << "), its output:\n"
             << log << "\n";
    }
    std::remove(logs[rank].c_str());
  }
  ::rmdir(log_dir.c_str());
  run.report = report.str();
  return run;
}

}  // namespace ptk::dist::testing
