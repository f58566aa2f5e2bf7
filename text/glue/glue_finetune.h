// GLUE fine-tuning as the BERT paper runs it: for each task, a fresh classification (or, for
// STS-B, regression) head on the backbone, AdamW with linear warmup and decay, one run per
// learning rate of the sweep, the best dev result kept; that run's model predicts the test
// splits for the leaderboard files (AX with the MNLI model). One process or several ranks
// sharing the sweep (run_glue_finetune), CPU or CUDA.
// Deterministic for a seed. Tokenizing runs in ptk-tokenize (tokenizer_process.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/io/state_dict.h"
#include "text/glue/glue_score.h"
#include "text/glue/glue_task.h"
#include "text/models/bert_config.h"

namespace ptk::dist {
class ProcessGroup;
}  // namespace ptk::dist

namespace ptk::text::glue {

// What is fine-tuned: an encoder config, its weights under "bert.*" (empty = random init:
// the baseline a pretrained backbone must beat) and the tokenizer it was trained with.
struct GlueBackbone {
  BertConfig config;
  io::StateDict weights;
  std::string tokenizer;    // .model / vocab.txt / folder, run through ptk-tokenize
  std::string description;  // for reports: "checkpoint runs/bert step 1500", "random init"
};

struct GlueFinetuneOptions {
  std::string glue_dir;         // the standard GLUE folder (one sub-folder per task)
  std::vector<GlueTask> tasks;  // AX needs MNLI among them
  std::vector<double> lrs = {2e-5, 3e-5, 5e-5};
  int64_t batch = 32;
  int64_t epochs = 3;
  double warmup_fraction = 0.1;
  double weight_decay = 0.01;
  int64_t max_length = 128;        // [CLS] a [SEP] b [SEP], cut longest-first
  int64_t max_train_examples = 0;  // 0 = all; else the first N (quick runs)
  uint64_t seed = 0;
  std::string device = "cpu";
  std::string submission_dir;  // "" = no leaderboard files
};

struct GlueLrResult {
  double lr = 0;
  std::map<std::string, GlueMetricValues> dev;  // entry name ("MNLI-m", ...) -> metrics
  double selection_score = 0;                   // mean of the entries' metric means
};

struct GlueTaskResult {
  GlueTask task = GlueTask::kCoLA;
  std::vector<GlueLrResult> sweep;
  size_t best = 0;  // index into sweep
  int64_t train_examples = 0;
  std::vector<std::string> reports;  // the readers' reports (rows skipped and why)
  std::vector<std::string> submission_files;
};

struct GlueRunResult {
  std::vector<GlueTaskResult> tasks;
  std::map<std::string, GlueMetricValues> best_dev;  // entry name -> the best run's metrics
  std::vector<std::string> submission_files;         // including AX
};

// Runs the sweep on every task. Under several ranks each rank trains its share of the runs
// (run k of the job on rank k % world), the ranks exchange the runs' dev results, and the rank
// that trained a task's best run writes its leaderboard files: every rank returns the result a
// single process would (ProcessGroup::single() for one process). Errors name the file, task or
// key.
GlueRunResult run_glue_finetune(const GlueBackbone& backbone, const GlueFinetuneOptions& options,
                                dist::ProcessGroup& group);

}  // namespace ptk::text::glue
