#include "text/glue/glue_eval_options.h"

#include "common/base/error.h"

namespace ptk::text::glue {

config::Schema glue_eval_schema() {
  config::Schema s;
  s.add("eval.checkpoint", "", "ptk-bert run directory (newest checkpoint) or step_<N> directory")
      .add("init.from", "",
           "instead of eval.checkpoint: an HF BERT folder (config.json, model.safetensors or "
           "pytorch_model.bin as a plain dict, tokenizer files)")
      .add("eval.init", "checkpoint",
           "checkpoint (the weights of eval.checkpoint / init.from) | random (the same "
           "architecture with fresh weights: the baseline)")
      .add("eval.tokenizer", "",
           "tokenizer file or folder; \"\" = the one the checkpoint's shard set lists, or the HF "
           "folder's vocab.txt / spiece.model")
      .add("eval.out", "",
           "output folder: results.json, results.md, submission/; \"\" = runs/eval-<verb>")
      .add("eval.device", "cpu", "cpu | cuda")
      .add("eval.threads", 4, "LibTorch intra-op threads")
      .add("glue.data", "", "the GLUE folder: CoLA/, SST-2/, MRPC/, ... (required)")
      .add("glue.tasks", config::Value(std::vector<std::string>{"SST-2", "MRPC"}),
           "tasks to run: CoLA SST-2 MRPC STS-B QQP MNLI QNLI RTE WNLI AX (AX with MNLI's model)")
      .add("glue.lrs", config::Value(std::vector<double>{2e-5, 3e-5, 5e-5}),
           "learning-rate sweep; the best dev result per task is kept")
      .add("glue.batch", 32, "examples per step")
      .add("glue.epochs", 3, "epochs per run")
      .add("glue.warmup", config::Value(0.1), "fraction of steps with linear warmup")
      .add("glue.weight_decay", config::Value(0.01),
           "AdamW weight decay (not on biases, LayerNorm)")
      .add("glue.max_length", 128, "tokens per example with [CLS] and [SEP]s")
      .add("glue.max_train_examples", 0, "0 = every training example; else the first N")
      .add("glue.submission", config::Value(true),
           "write leaderboard files (CoLA.tsv ... AX.tsv) for the test splits present")
      .add("eval.seed", 0, "seed of the heads' initialisation, dropout and shuffling");
  return s;
}

namespace {

int64_t at_least(const config::Config& config, const std::string& key, int64_t minimum) {
  const int64_t value = config.get_int(key);
  if (value < minimum) {
    throw usage_error(key + " must be >= " + std::to_string(minimum) + ", got " +
                      std::to_string(value));
  }
  return value;
}

}  // namespace

GlueEvalOptions glue_eval_options(const config::Config& config) {
  GlueEvalOptions o;
  o.checkpoint = config.get_string("eval.checkpoint");
  o.init_from = config.get_string("init.from");
  const std::string& init = config.get_string("eval.init");
  if (init != "checkpoint" && init != "random") {
    throw usage_error("eval.init must be checkpoint or random for glue, got '" + init + "'");
  }
  o.random_init = init == "random";
  if (o.checkpoint.empty() == o.init_from.empty()) {
    throw usage_error(
        "give exactly one backbone: eval.checkpoint (a ptk-bert run) or init.from (an HF "
        "folder)");
  }
  o.tokenizer = config.get_string("eval.tokenizer");
  o.out = config.get_string("eval.out");
  if (o.out.empty()) o.out = "runs/eval-glue";
  o.device = config.get_string("eval.device");
  if (o.device != "cpu" && o.device != "cuda") {
    throw usage_error("eval.device must be cpu or cuda, got '" + o.device + "'");
  }
  o.threads = at_least(config, "eval.threads", 1);
  o.glue_dir = config.get_string("glue.data");
  if (o.glue_dir.empty()) throw usage_error("glue.data is required (the GLUE folder)");
  o.tasks = config.get_string_list("glue.tasks");
  if (o.tasks.empty()) throw usage_error("glue.tasks is empty");
  o.lrs = config.get_float_list("glue.lrs");
  if (o.lrs.empty()) throw usage_error("glue.lrs is empty");
  for (const double lr : o.lrs) {
    if (!(lr > 0)) throw usage_error("glue.lrs: every learning rate must be > 0");
  }
  o.batch = at_least(config, "glue.batch", 1);
  o.epochs = at_least(config, "glue.epochs", 1);
  o.max_length = at_least(config, "glue.max_length", 4);
  o.max_train_examples = at_least(config, "glue.max_train_examples", 0);
  o.warmup_fraction = config.get_float("glue.warmup");
  if (!(o.warmup_fraction >= 0 && o.warmup_fraction <= 1)) {
    throw usage_error("glue.warmup must be in [0, 1]");
  }
  o.weight_decay = config.get_float("glue.weight_decay");
  if (!(o.weight_decay >= 0)) throw usage_error("glue.weight_decay must be >= 0");
  o.submission = config.get_bool("glue.submission");
  o.seed = static_cast<uint64_t>(config.get_int("eval.seed"));
  return o;
}

}  // namespace ptk::text::glue
