#include "common/base/child_process.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "common/base/error.h"

namespace ptk {

namespace fs = std::filesystem;

namespace {

// In the child, between fork and exec: only async-signal-safe calls.
void redirect_or_exit(const char* path, int stream) {
  if (path == nullptr) return;
  const int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0 || ::dup2(fd, stream) < 0) ::_exit(127);
}

const char* path_or_null(const std::string& path) { return path.empty() ? nullptr : path.c_str(); }

}  // namespace

std::string sibling_binary(const std::string& name) {
  std::error_code failure;
  const fs::path self = fs::read_symlink("/proc/self/exe", failure);
  if (failure) throw error("cannot locate the running binary to find {} next to it", name);
  const std::string binary = (self.parent_path() / name).string();
  if (::access(binary.c_str(), X_OK) != 0) {
    throw error("cannot run {} (build or install {} next to {})", binary, name,
                self.filename().string());
  }
  return binary;
}

bool ChildExit::succeeded() const { return WIFEXITED(status_) && WEXITSTATUS(status_) == 0; }

int ChildExit::exit_code() const { return WIFEXITED(status_) ? WEXITSTATUS(status_) : -1; }

std::string ChildExit::describe() const {
  if (WIFSIGNALED(status_)) return fmt::format("killed by signal {}", WTERMSIG(status_));
  return fmt::format("exit code {}", exit_code());
}

ChildExit run_child(const std::vector<std::string>& argv, const ChildStreams& streams) {
  std::vector<std::string> strings = argv;
  std::vector<char*> pointers;
  for (std::string& arg : strings) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  const char* out = path_or_null(streams.stdout_file);
  const char* err = path_or_null(streams.stderr_file);
  std::fflush(nullptr);  // what this process printed comes before the child's output
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw error("cannot start {}: {}", argv.front(), std::strerror(errno));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);  // the parent died before prctl
    redirect_or_exit(out, STDOUT_FILENO);
    redirect_or_exit(err, STDERR_FILENO);
    ::execv(pointers[0], pointers.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw error("cannot wait for {}: {}", argv.front(), std::strerror(errno));
  }
  return ChildExit(status);
}

}  // namespace ptk
