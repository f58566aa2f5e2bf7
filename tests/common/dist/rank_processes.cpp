#include "tests/common/dist/rank_processes.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
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

namespace {

// This process's environment without the variables each rank gets its own value of (the
// launcher's variables replace any the test runner inherited, e.g. under torchrun).
std::vector<std::string> inherited_environment(
    const std::map<std::string, std::string>& extra_env) {
  std::vector<std::string> own = {kRoleVar,           "RANK",        "WORLD_SIZE", "LOCAL_RANK",
                                  "LOCAL_WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"};
  for (const auto& [key, value] : extra_env) own.push_back(key);
  std::vector<std::string> inherited;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    const std::string key = entry.substr(0, entry.find('='));
    if (std::find(own.begin(), own.end(), key) == own.end()) inherited.push_back(entry);
  }
  return inherited;
}

std::vector<std::string> rank_environment(std::vector<std::string> env, int rank, int world,
                                          int master_port,
                                          const std::map<std::string, std::string>& extra_env) {
  env.push_back(std::string(kRoleVar) + "=1");
  env.push_back("RANK=" + std::to_string(rank));
  env.push_back("WORLD_SIZE=" + std::to_string(world));
  env.push_back("LOCAL_RANK=" + std::to_string(rank));
  env.push_back("LOCAL_WORLD_SIZE=" + std::to_string(world));
  env.push_back("MASTER_ADDR=127.0.0.1");
  env.push_back("MASTER_PORT=" + std::to_string(master_port));
  for (const auto& [key, value] : extra_env) env.push_back(key + "=" + replace_rank(value, rank));
  return env;
}

// This test binary, running only the current test, stdout and stderr into `log`; -1 when it
// cannot start.
pid_t spawn_rank(std::vector<std::string> env, const std::string& log) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string filter =
      std::string("--gtest_filter=") + info->test_suite_name() + "." + info->name();
  std::vector<char*> envp;
  for (std::string& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::string exe = "/proc/self/exe";
  std::string no_color = "--gtest_color=no";
  std::vector<char*> argv = {exe.data(), filter.data(), no_color.data(), nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, exe.c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? pid : -1;
}

void kill_all(const std::vector<pid_t>& pids, const std::vector<bool>& done,
              std::vector<int>* status) {
  for (size_t rank = 0; rank < pids.size(); ++rank) {
    if (pids[rank] > 0 && !done[rank]) {
      ::kill(pids[rank], SIGKILL);
      ::waitpid(pids[rank], &(*status)[rank], 0);
    }
  }
}

// Waits for every rank until `deadline`, then kills those still running. Fills each rank's
// wait status and whether it ended by itself; returns false on a timeout.
bool wait_ranks(const std::vector<pid_t>& pids, std::chrono::seconds deadline,
                std::vector<int>* status, std::vector<bool>* done) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  size_t remaining = pids.size();
  while (remaining > 0) {
    for (size_t rank = 0; rank < pids.size(); ++rank) {
      int st = 0;
      if (!(*done)[rank] && ::waitpid(pids[rank], &st, WNOHANG) == pids[rank]) {
        (*done)[rank] = true;
        (*status)[rank] = st;
        --remaining;
      }
    }
    if (remaining == 0) break;
    if (std::chrono::steady_clock::now() > until) {
      kill_all(pids, *done, status);
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string describe_end(bool done, int st) {
  if (!done) return "killed";
  if (WIFEXITED(st)) return "exit " + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) return "signal " + std::to_string(WTERMSIG(st));
  return "unknown";
}

}  // namespace

RankRun run_ranks(int world, int master_port, const std::map<std::string, std::string>& extra_env,
                  std::chrono::seconds deadline) {
  std::string log_dir = (std::filesystem::temp_directory_path() / "ptk_dist_test_XXXXXX").string();
  if (::mkdtemp(log_dir.data()) == nullptr) return {false, "mkdtemp failed"};
  const std::vector<std::string> inherited = inherited_environment(extra_env);
  std::vector<pid_t> pids(world, -1);
  std::vector<std::string> logs(world);
  std::vector<int> status(world, -1);
  std::vector<bool> done(world, false);
  for (int rank = 0; rank < world; ++rank) {
    logs[rank] = log_dir + "/rank" + std::to_string(rank) + ".log";
    pids[rank] =
        spawn_rank(rank_environment(inherited, rank, world, master_port, extra_env), logs[rank]);
    if (pids[rank] < 0) {
      kill_all(pids, done, &status);
      return {false, "cannot start rank " + std::to_string(rank)};
    }
  }
  const bool in_time = wait_ranks(pids, deadline, &status, &done);

  RankRun run;
  std::ostringstream report;
  if (!in_time) report << "ranks still running after " << deadline.count() << " s were killed\n";
  for (int rank = 0; rank < world; ++rank) {
    bool ok = done[rank] && WIFEXITED(status[rank]) && WEXITSTATUS(status[rank]) == 0;
    const std::string log = read_file(logs[rank]);
    // A filter that matched nothing exits 0 too: insist that the test actually ran.
    if (ok && log.find("[  PASSED  ] 1 test") == std::string::npos) ok = false;
    if (!ok) {
      run.ok = false;
      report << "---- rank " << rank << " failed (" << describe_end(done[rank], status[rank])
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
