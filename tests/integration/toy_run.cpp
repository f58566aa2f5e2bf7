#include "tests/integration/toy_run.h"

#include <ATen/ATen.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <regex>
#include <sstream>
#include <thread>

#include "common/train/checkpoint.h"

extern char** environ;

namespace ptk::testing {
namespace fs = std::filesystem;

ScratchDir::ScratchDir() {
  std::string pattern = (fs::temp_directory_path() / "ptk-train-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed: " + std::string(std::strerror(errno)));
  }
  path_ = pattern;
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

namespace {

bool is_launcher_variable(const std::string& name) {
  static const char* const kExact[] = {
      "RANK",        "WORLD_SIZE",  "LOCAL_RANK", "LOCAL_WORLD_SIZE", "GROUP_RANK",
      "MASTER_ADDR", "MASTER_PORT", "PMI_RANK",   "PMI_SIZE"};
  for (const char* exact : kExact) {
    if (name == exact) return true;
  }
  for (const char* prefix : {"TORCHELASTIC_", "SLURM_", "OMPI_COMM_WORLD_"}) {
    if (name.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

}  // namespace

Child::Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
             const std::string& log_path)
    : log_path_(log_path) {
  std::vector<std::string> environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string item = *entry;
    std::string name = item.substr(0, item.find('='));
    if (!is_launcher_variable(name) && env.count(name) == 0) environment.push_back(item);
  }
  for (const auto& [name, value] : env) environment.push_back(name + "=" + value);

  std::vector<char*> c_argv, c_env;
  for (const auto& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);
  for (const auto& item : environment) c_env.push_back(const_cast<char*>(item.c_str()));
  c_env.push_back(nullptr);

  pid_ = ::fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::close(fd);
    }
    // Own process group: a signal sent to a launcher (torchrun) does not reach the test.
    ::setpgid(0, 0);
    ::execve(c_argv[0], c_argv.data(), c_env.data());
    ::_exit(127);
  }
}

Child::~Child() {
  if (pid_ > 0 && !reaped_) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
}

bool Child::running() {
  if (reaped_) return false;
  pid_t done = ::waitpid(pid_, &status_, WNOHANG);
  if (done == pid_) reaped_ = true;
  return !reaped_;
}

int Child::wait(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      ADD_FAILURE() << "process " << pid_ << " still running after " << timeout.count()
                    << " s; killed. Output:\n"
                    << output();
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status_, 0);
      reaped_ = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return status_;
}

void Child::signal(int signal_number) {
  if (!reaped_) ::kill(pid_, signal_number);
}

std::string Child::output() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> torchrun_command(int nproc, const std::vector<std::string>& command,
                                          int max_restarts) {
  std::vector<std::string> launch{PTK_PYTHON,
                                  "-m",
                                  "torch.distributed.run",
                                  "--no_python",
                                  "--nproc_per_node",
                                  std::to_string(nproc),
                                  "--max_restarts",
                                  std::to_string(max_restarts),
                                  "-r",
                                  "1",
                                  "-t",
                                  "1",
                                  "--master_port",
                                  std::to_string(free_port())};
  launch.insert(launch.end(), command.begin(), command.end());
  return launch;
}

namespace {

std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> children;
  std::error_code error;
  const std::string tasks = "/proc/" + std::to_string(pid) + "/task";
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream in(task.path() / "children");
    pid_t child = 0;
    while (in >> child) children.push_back(child);
  }
  return children;
}

bool has_environment_entry(pid_t pid, const std::string& entry) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/environ", std::ios::binary);
  std::string item;
  while (std::getline(in, item, '\0')) {
    if (item == entry) return true;
  }
  return false;
}

}  // namespace

pid_t find_rank_process(pid_t launcher, int rank) {
  const std::string wanted = "RANK=" + std::to_string(rank);
  std::vector<pid_t> todo = children_of(launcher);
  while (!todo.empty()) {
    const pid_t pid = todo.back();
    todo.pop_back();
    if (has_environment_entry(pid, wanted)) return pid;
    for (pid_t child : children_of(pid)) todo.push_back(child);
  }
  return -1;
}

std::string toy_train_binary() { return PTK_TOY_TRAIN; }

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return -WTERMSIG(status);
  return -1000;
}

namespace {

std::string fresh_log_path() {
  static int counter = 0;
  return (fs::temp_directory_path() /
          ("ptk-train-log-" + std::to_string(::getpid()) + "-" + std::to_string(counter++)))
      .string();
}

}  // namespace

int run_toy(const std::vector<std::string>& args, std::string* output,
            const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv{toy_train_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = fresh_log_path();
  int status;
  {
    Child child(argv, env, log);
    status = child.wait();
    if (output) *output = child.output();
  }
  std::remove(log.c_str());
  return exit_code(status);
}

std::vector<int> run_toy_ranks(int world, const std::vector<std::string>& args,
                               std::vector<std::string>* outputs) {
  const int port = free_port();
  std::vector<std::string> argv{toy_train_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::unique_ptr<Child>> children;
  std::vector<std::string> logs;
  for (int rank = 0; rank < world; ++rank) {
    logs.push_back(fresh_log_path());
    std::map<std::string, std::string> env{
        {"RANK", std::to_string(rank)},        {"LOCAL_RANK", std::to_string(rank)},
        {"WORLD_SIZE", std::to_string(world)}, {"LOCAL_WORLD_SIZE", std::to_string(world)},
        {"MASTER_ADDR", "127.0.0.1"},          {"MASTER_PORT", std::to_string(port)}};
    children.push_back(std::make_unique<Child>(argv, env, logs.back()));
  }
  std::vector<int> codes;
  if (outputs) outputs->clear();
  for (int rank = 0; rank < world; ++rank) {
    codes.push_back(exit_code(children[rank]->wait()));
    if (outputs) outputs->push_back(children[rank]->output());
    std::remove(logs[rank].c_str());
  }
  return codes;
}

namespace {

std::vector<std::string> metric_lines(const std::string& run_dir) {
  std::ifstream in(run_dir + "/metrics.jsonl");
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

}  // namespace

int64_t last_logged_step(const std::string& run_dir) {
  static const std::regex kStep("\"step\": *([0-9]+)");
  int64_t last = -1;
  for (const auto& line : metric_lines(run_dir)) {
    std::smatch match;
    if (std::regex_search(line, match, kStep)) last = std::max<int64_t>(last, std::stoll(match[1]));
  }
  return last;
}

double last_logged_value(const std::string& run_dir, const std::string& key) {
  const std::regex pattern("\"" + key + "\": *([-+0-9.eE]+|null)");
  double value = std::numeric_limits<double>::quiet_NaN();
  for (const auto& line : metric_lines(run_dir)) {
    std::smatch match;
    if (std::regex_search(line, match, pattern)) {
      value = match[1] == "null" ? std::numeric_limits<double>::quiet_NaN() : std::stod(match[1]);
    }
  }
  return value;
}

io::StateDict final_model(const std::string& run_dir, int64_t step) {
  return train::read_checkpoint_model(train::checkpoint_path(run_dir, step));
}

double max_abs_diff(const io::StateDict& a, const io::StateDict& b) {
  EXPECT_EQ(a.size(), b.size());
  double worst = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    EXPECT_EQ(a[i].second.sizes(), b[i].second.sizes()) << a[i].first;
    if (a[i].second.sizes() != b[i].second.sizes()) return std::numeric_limits<double>::infinity();
    at::Tensor diff = (a[i].second.to(at::kDouble) - b[i].second.to(at::kDouble)).abs();
    if (diff.numel() > 0) worst = std::max(worst, diff.max().item<double>());
  }
  return worst;
}

bool bitwise_equal(const io::StateDict& a, const io::StateDict& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const at::Tensor& x = a[i].second;
    const at::Tensor& y = b[i].second;
    if (a[i].first != b[i].first || x.scalar_type() != y.scalar_type() || x.sizes() != y.sizes()) {
      return false;
    }
    at::Tensor cx = x.contiguous(), cy = y.contiguous();
    if (std::memcmp(cx.data_ptr(), cy.data_ptr(), cx.nbytes()) != 0) return false;
  }
  return true;
}

}  // namespace ptk::testing
