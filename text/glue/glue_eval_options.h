// What `ptk-eval glue` is asked to do: the backbone (a ptk-bert checkpoint, weights through
// init.from, or random init as the baseline), the GLUE folder and tasks, and the fine-tuning
// sweep. Torch-free, so --help and config errors cost no LibTorch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config.h"

namespace ptk::text::glue {

struct GlueEvalOptions {
  std::string checkpoint;    // eval.checkpoint: ptk-bert run or step directory
  std::string init_from;     // init.from: HF BERT folder (config.json + weights) instead
  bool random_init = false;  // eval.init=random: same architecture, fresh weights
  std::string tokenizer;     // eval.tokenizer: "" = the checkpoint's / the HF folder's
  std::string out;           // eval.out: results.json, results.md, submission/
  std::string device = "cpu";
  int64_t threads = 4;
  std::string glue_dir;                                // glue.data
  std::vector<std::string> tasks = {"SST-2", "MRPC"};  // glue.tasks
  std::vector<double> lrs = {2e-5, 3e-5, 5e-5};        // glue.lrs
  int64_t batch = 32, epochs = 3, max_length = 128, max_train_examples = 0;
  double warmup_fraction = 0.1, weight_decay = 0.01;
  bool submission = true;  // glue.submission
  uint64_t seed = 0;
};

config::Schema glue_eval_schema();

// Reads and validates; a bad or missing value is a usage_error naming the key.
GlueEvalOptions glue_eval_options(const config::Config& config);

}  // namespace ptk::text::glue
