#include "recipes/bert/prepare_coordinator.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "common/base/child_process.h"
#include "common/base/error.h"
#include "common/dist/job_ranks.h"
#include "common/io/atomic_file.h"
#include "common/io/resumable_directory.h"
#include "recipes/bert/prepare_job.h"
#include "recipes/bert/prepare_options.h"

namespace ptk::recipes {

namespace {

// One stage in a child (common/base/child_process.h: it dies with this rank, so a SIGKILLed
// rank leaves no stage writing on behind the restarted job); its own error message, printed by
// the child, names the cause.
void run_stage_process(const std::string& binary, const std::string& stage,
                       const std::string& config_path, int rank) {
  const ChildExit exit = run_child({binary, stage, "--config", config_path});
  if (exit.succeeded()) return;
  const std::string what = fmt::format("ptk-bert-prepare {} failed on rank {}", stage, rank);
  switch (exit.exit_code()) {
    case -1:
      throw error("{}: {} (run the same command again to resume)", what, exit.describe());
    case 2:
      throw usage_error("{} (its error is above)", what);
    case 127:
      throw error("{}: cannot run {}", what, binary);
    default:
      throw error("{} with {} (its error is above)", what, exit.describe());
  }
}

}  // namespace

int run_bert_prepare_job(const config::Config& config) {
  const config::Config tool = prepare_tool_config(config);
  const BertPrepareJob job = read_bert_prepare_job(tool);
  const std::string binary = sibling_binary("ptk-bert-prepare");
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  ::setenv(kPrepareStartedVariable, std::to_string(now).c_str(), 1);

  const dist::JobRanks ranks = dist::JobRanks::join(std::chrono::seconds(job.options.timeout_s));
  const bool rank0 = ranks.rank() == 0;
  // Rank 0 alone creates the job folder and writes the config; the others read it only after
  // the stage's agreement, so no file is written by two ranks.
  ranks.run_stage("opening the job folder " + job.partial(), [&] {
    if (!rank0) return;
    const io::ResumableDirectory folder(job.options.out, job.fingerprint, /*create=*/true);
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
