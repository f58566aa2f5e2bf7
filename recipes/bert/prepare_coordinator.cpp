#include "recipes/bert/prepare_coordinator.h"

#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/dist/job_ranks.h"
#include "common/io/atomic_file.h"
#include "common/io/resumable_directory.h"
#include "recipes/bert/prepare_job.h"
#include "recipes/bert/prepare_options.h"

namespace fs = std::filesystem;

namespace ptk::recipes {

namespace {

std::string stage_binary() {
  std::error_code error;
  const fs::path self = fs::read_symlink("/proc/self/exe", error);
  const std::string binary = (self.parent_path() / "ptk-bert-prepare").string();
  if (error || !fs::exists(binary)) {
    throw Error("cannot find ptk-bert-prepare next to ptk-bert (" + binary +
                "); build the ptk-bert-prepare target");
  }
  return binary;
}

// Runs `args` as a child process that gets SIGKILL when this process dies (a SIGKILLed rank
// must not leave a stage writing on behind the restarted job). Returns the wait status.
int run_child(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::fflush(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw Error("cannot start " + args.front() + ": " + std::strerror(errno));
  if (pid == 0) {
    // Only async-signal-safe calls between fork and exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw Error("cannot wait for " + args.front() + ": " + std::strerror(errno));
  }
  return status;
}

// One stage in a child; its own error message (printed by the child) names the cause.
void run_stage_process(const std::string& binary, const std::string& stage,
                       const std::string& config_path, int rank) {
  const int status = run_child({binary, stage, "--config", config_path});
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  const std::string what = "ptk-bert-prepare " + stage + " failed on rank " + std::to_string(rank);
  if (WIFSIGNALED(status)) {
    throw Error(what + ": killed by signal " + std::to_string(WTERMSIG(status)) +
                " (run the same command again to resume)");
  }
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (code == 2) throw usage_error(what + " (its error is above)");
  if (code == 127) throw Error(what + ": cannot run " + binary);
  throw Error(what + " with exit code " + std::to_string(code) + " (its error is above)");
}

}  // namespace

int run_bert_prepare_job(const config::Config& config) {
  const config::Config tool = prepare_tool_config(config);
  const BertPrepareJob job = read_bert_prepare_job(tool);
  const std::string binary = stage_binary();
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  ::setenv(kPrepareStartedVariable, std::to_string(now).c_str(), 1);

  const dist::JobRanks ranks =
      dist::JobRanks::join(std::chrono::seconds(tool.get_int("prepare.timeout_s")));
  const bool rank0 = ranks.rank() == 0;
  // Rank 0 alone creates the job folder and writes the config; the others read it only after
  // the stage's agreement, so no file is written by two ranks.
  ranks.run_stage("opening the job folder " + job.partial(), [&] {
    if (!rank0) return;
    const io::ResumableDirectory folder(job.out, job.fingerprint, /*create=*/true);
    io::write_file_atomic(job.config_path(), tool.to_yaml());
  });
  auto stage = [&](const std::string& name, bool every_rank, const std::string& what) {
    ranks.run_stage(what, [&] {
      if (every_rank || rank0) run_stage_process(binary, name, job.config_path(), ranks.rank());
    });
  };
  if (job.train_tokenizer) stage("sample", true, "sampling sentences for the tokenizer");
  stage("tokenizer", false, "making the tokenizer");
  stage("pack", true, "packing the parts");
  stage("finish", false, "writing the manifests and the summary");
  return 0;
}

}  // namespace ptk::recipes
