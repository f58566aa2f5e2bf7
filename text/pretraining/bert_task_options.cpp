#include "text/pretraining/bert_task_options.h"

#include "common/base/error.h"
#include "common/config/option_table.h"

namespace ptk::text {
namespace {

// model.* as written: a preset, then overrides of its fields (0, or < 0 for dropout: the
// preset's value).
struct BertTaskSection : BertTaskOptions {
  std::string preset = "bert-base";
  int64_t hidden_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t intermediate_size = 0;
  int64_t max_position_embeddings = 0;
  double hidden_dropout_prob = -1.0;
  double attention_probs_dropout_prob = -1.0;
};

config::OptionTable<BertTaskSection> bert_task_table() {
  using config::at_least;
  using config::at_most;
  using config::nested;
  using S = BertTaskSection;
  const auto preset = at_least(0, "0 = preset");
  config::OptionTable<S> t;
  t.add("model.preset", &S::preset,
        "BERT shape: bert-base | bert-large | bert-tiny | bert-mini | bert-small | bert-medium")
      .add("model.hidden_size", &S::hidden_size, "override of the preset's hidden size; 0 = preset",
           preset)
      .add("model.num_hidden_layers", &S::num_hidden_layers,
           "override of the preset's layers; 0 = preset", preset)
      .add("model.num_attention_heads", &S::num_attention_heads,
           "override of the preset's heads; 0 = preset", preset)
      .add("model.intermediate_size", &S::intermediate_size,
           "override of the preset's FFN size; 0 = preset", preset)
      .add("model.max_position_embeddings", &S::max_position_embeddings,
           "override of the preset's positions; 0 = preset", preset)
      .add("model.hidden_dropout_prob", &S::hidden_dropout_prob, "dropout; < 0 = preset (0.1)",
           at_most(1))
      .add("model.attention_probs_dropout_prob", &S::attention_probs_dropout_prob,
           "attention dropout; < 0 = preset (0.1)", at_most(1))
      .add("data.shards", &S::shards,
           "token shard set, or a directory of seq<L>/ shard sets (ptk-bert prepare's out); "
           "empty = prepare.out")
      .add("data.max_seq_length", &S::max_seq_length,
           "sequence length of a single-phase run (phases.max_seq_length sets it per phase)",
           at_least(8))
      .add("data.threads", &S::threads, "masking threads per rank; 0 = on the training thread",
           at_least(0))
      .add("masking.mask_prob", nested(&S::masking, &MaskingPolicy::mask_prob),
           "share of non-special tokens predicted")
      .add("masking.max_predictions", nested(&S::masking, &MaskingPolicy::max_predictions),
           "cap of predictions per sequence (BERT: 20 at 128, 80 at 512; phases.max_predictions "
           "sets it per phase)")
      .add("masking.mask_token_frac", nested(&S::masking, &MaskingPolicy::mask_token_frac),
           "of the predicted: replaced by [MASK]")
      .add("masking.random_token_frac", nested(&S::masking, &MaskingPolicy::random_token_frac),
           "of the predicted: replaced by a random token")
      .add("masking.whole_word", nested(&S::masking, &MaskingPolicy::whole_word),
           "mask all pieces of a word together");
  return t;
}

}  // namespace

config::Schema bert_task_schema() { return bert_task_table().schema(); }

BertTaskOptions bert_task_options(const config::Config& config) {
  const BertTaskSection s = bert_task_table().read(config);
  BertTaskOptions o = s;
  o.model = bert_config(s.preset);
  for (const auto& [given, field] :
       {std::pair{s.hidden_size, &o.model.hidden_size},
        {s.num_hidden_layers, &o.model.num_hidden_layers},
        {s.num_attention_heads, &o.model.num_attention_heads},
        {s.intermediate_size, &o.model.intermediate_size},
        {s.max_position_embeddings, &o.model.max_position_embeddings}}) {
    if (given > 0) *field = given;
  }
  if (s.hidden_dropout_prob >= 0) o.model.hidden_dropout_prob = s.hidden_dropout_prob;
  if (s.attention_probs_dropout_prob >= 0) {
    o.model.attention_probs_dropout_prob = s.attention_probs_dropout_prob;
  }
  validate(o.model);
  if (o.max_seq_length > o.model.max_position_embeddings) {
    throw usage_error("data.max_seq_length {} exceeds the model's max_position_embeddings {}",
                      o.max_seq_length, o.model.max_position_embeddings);
  }
  o.masking.validate();
  o.seed = static_cast<uint64_t>(config.get_int("train.seed"));
  return o;
}

}  // namespace ptk::text
