// Helpers of the end-to-end tests: a scratch directory, free TCP ports, and ptk-toy-train runs as
// real child processes (environment, output capture, timeouts, signals from outside).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/dist/free_port.h"
#include "common/io/state_dict.h"

namespace ptk::testing {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

using dist::free_port;  // a TCP port on 127.0.0.1 that nothing listens on right now

// The launcher command that runs `command` (a binary and its arguments) as `nproc` ranks:
// Debian's torchrun (1.13, so underscore options, and -r/-t so it does not trip over Python
// 3.11's IntFlag change) on a free master port, allowing `max_restarts` group restarts.
std::vector<std::string> torchrun_command(int nproc, const std::vector<std::string>& command,
                                          int max_restarts = 0);

// A child process with stdout+stderr going to `log_path`. The environment is this process's
// minus every launcher variable (RANK, SLURM_*, OMPI_*, ...), plus `env`.
class Child {
 public:
  Child(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
        const std::string& log_path);
  ~Child();  // kills the child if it is still running
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  // Waits for the exit; a child still running after `timeout` is killed (test failure).
  // Returns the raw wait status.
  int wait(std::chrono::seconds timeout = std::chrono::seconds(120));
  bool running();
  void signal(int signal_number);
  std::string output() const;  // what it wrote so far

 private:
  pid_t pid_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  std::string log_path_;
};

// The process among the descendants of `launcher` (e.g. torchrun's agent) whose environment
// has RANK=<rank>: a worker to kill from outside. -1 when there is none (yet).
pid_t find_rank_process(pid_t launcher, int rank);

// The ptk-toy-train binary.
std::string toy_train_binary();

// Runs ptk-toy-train with `args` as one process to completion; returns its exit code (-signal
// when killed) and puts its output in `output`.
int run_toy(const std::vector<std::string>& args, std::string* output,
            const std::map<std::string, std::string>& env = {});

// Runs `world` ranks of ptk-toy-train with torchrun-style variables (RANK, WORLD_SIZE,
// LOCAL_RANK, MASTER_ADDR, MASTER_PORT on a free port); returns each rank's exit code.
std::vector<int> run_toy_ranks(int world, const std::vector<std::string>& args,
                               std::vector<std::string>* outputs);

// Exit code from a wait status: the code, or -signal when a signal ended the process.
int exit_code(int status);

// Highest "step" of <run_dir>/metrics.jsonl lines, -1 when there is none yet.
int64_t last_logged_step(const std::string& run_dir);
// The value of `key` in the last metrics.jsonl line that has it; NaN when none.
double last_logged_value(const std::string& run_dir, const std::string& key);

// model.pt of checkpoint step `step` of `run_dir`.
io::StateDict final_model(const std::string& run_dir, int64_t step);

// Largest |a - b| over tensors with the same names (fails the test on a name/shape mismatch).
double max_abs_diff(const io::StateDict& a, const io::StateDict& b);
// True when names, shapes, dtypes and every bit agree.
bool bitwise_equal(const io::StateDict& a, const io::StateDict& b);

}  // namespace ptk::testing
