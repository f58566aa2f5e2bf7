#include "text/glue/glue_eval_options.h"

#include "common/base/error.h"
#include "common/config/option_table.h"

namespace ptk::text::glue {
namespace {

// eval.init is read as its name; the options keep whether it is random.
struct GlueEvalSection : GlueEvalOptions {
  std::string init = "checkpoint";
};

config::OptionTable<GlueEvalSection> glue_eval_table() {
  using config::at_least;
  using config::in_range;
  using config::non_empty;
  using config::one_of;
  using config::satisfies;
  using O = GlueEvalSection;
  config::OptionTable<O> t;
  t.add("eval.checkpoint", &O::checkpoint,
        "ptk-bert run directory (newest checkpoint) or step_<N> directory")
      .add("init.from", &O::init_from,
           "instead of eval.checkpoint: an HF BERT folder (config.json, model.safetensors or "
           "pytorch_model.bin as a plain dict, tokenizer files)")
      .add("eval.init", &O::init,
           "checkpoint (the weights of eval.checkpoint / init.from) | random (the same "
           "architecture with fresh weights: the baseline)",
           one_of({"checkpoint", "random"}))
      .add("eval.tokenizer", &O::tokenizer,
           "tokenizer file or folder; \"\" = the one the checkpoint's shard set lists, or the HF "
           "folder's vocab.txt / spiece.model")
      .add("eval.out", &O::out,
           "output folder: results.json, results.md, submission/; \"\" = runs/eval-<verb>")
      .add("eval.device", &O::device, "cpu | cuda", one_of({"cpu", "cuda"}))
      .add("eval.threads", &O::threads, "LibTorch intra-op threads", at_least(1))
      .add("glue.data", &O::glue_dir, "the GLUE folder: CoLA/, SST-2/, MRPC/, ... (required)",
           non_empty("is required (the GLUE folder)"))
      .add("glue.tasks", &O::tasks,
           "tasks to run: CoLA SST-2 MRPC STS-B QQP MNLI QNLI RTE WNLI AX (AX with MNLI's model)",
           non_empty("is empty"))
      .add("glue.lrs", &O::lrs, "learning-rate sweep; the best dev result per task is kept",
           non_empty("is empty"),
           satisfies(
               [](const std::vector<double>& lrs) {
                 for (const double lr : lrs) {
                   if (!(lr > 0)) return false;
                 }
                 return true;
               },
               "must hold learning rates > 0"))
      .add("glue.batch", &O::batch, "examples per step", at_least(1))
      .add("glue.epochs", &O::epochs, "epochs per run", at_least(1))
      .add("glue.warmup", &O::warmup_fraction, "fraction of steps with linear warmup",
           in_range(0.0, 1.0))
      .add("glue.weight_decay", &O::weight_decay, "AdamW weight decay (not on biases, LayerNorm)",
           at_least(0.0))
      .add("glue.max_length", &O::max_length, "tokens per example with [CLS] and [SEP]s",
           at_least(4))
      .add("glue.max_train_examples", &O::max_train_examples,
           "0 = every training example; else the first N", at_least(0))
      .add("glue.submission", &O::submission,
           "write leaderboard files (CoLA.tsv ... AX.tsv) for the test splits present")
      .add("eval.seed", &O::seed, "seed of the heads' initialisation, dropout and shuffling");
  return t;
}

}  // namespace

config::Schema glue_eval_schema() { return glue_eval_table().schema(); }

GlueEvalOptions glue_eval_options(const config::Config& config) {
  const GlueEvalSection section = glue_eval_table().read(config);
  GlueEvalOptions o = section;
  o.random_init = section.init == "random";
  if (o.checkpoint.empty() == o.init_from.empty()) {
    throw usage_error(
        "give exactly one backbone: eval.checkpoint (a ptk-bert run) or init.from (an HF "
        "folder)");
  }
  if (o.out.empty()) o.out = "runs/eval-glue";
  return o;
}

}  // namespace ptk::text::glue
