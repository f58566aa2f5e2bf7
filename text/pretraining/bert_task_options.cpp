#include "text/pretraining/bert_task_options.h"

#include "common/base/error.h"

namespace ptk::text {

config::Schema bert_task_schema() {
  config::Schema s;
  s.add("model.preset", "bert-base",
        "BERT shape: bert-base | bert-large | bert-tiny | bert-mini | bert-small | bert-medium")
      .add("model.hidden_size", 0, "override of the preset's hidden size; 0 = preset")
      .add("model.num_hidden_layers", 0, "override of the preset's layers; 0 = preset")
      .add("model.num_attention_heads", 0, "override of the preset's heads; 0 = preset")
      .add("model.intermediate_size", 0, "override of the preset's FFN size; 0 = preset")
      .add("model.max_position_embeddings", 0, "override of the preset's positions; 0 = preset")
      .add("model.hidden_dropout_prob", config::Value(-1.0), "dropout; < 0 = preset (0.1)")
      .add("model.attention_probs_dropout_prob", config::Value(-1.0),
           "attention dropout; < 0 = preset (0.1)")
      .add("data.shards", "",
           "token shard set, or a directory of seq<L>/ shard sets (ptk-bert prepare's out); "
           "empty = prepare.out")
      .add("data.max_seq_length", 128,
           "sequence length of a single-phase run (phases.max_seq_length sets it per phase)")
      .add("data.threads", 1, "masking threads per rank; 0 = on the training thread")
      .add("masking.mask_prob", config::Value(0.15), "share of non-special tokens predicted")
      .add("masking.max_predictions", 20,
           "cap of predictions per sequence (BERT: 20 at 128, 80 at 512; phases.max_predictions "
           "sets it per phase)")
      .add("masking.mask_token_frac", config::Value(0.8), "of the predicted: replaced by [MASK]")
      .add("masking.random_token_frac", config::Value(0.1),
           "of the predicted: replaced by a random token")
      .add("masking.whole_word", config::Value(false), "mask all pieces of a word together");
  return s;
}

BertTaskOptions bert_task_options(const config::Config& config) {
  BertTaskOptions o;
  o.model = bert_config(config.get_string("model.preset"));
  auto override_int = [&](const char* key, int64_t* field) {
    const int64_t value = config.get_int(key);
    if (value < 0) throw UsageError(std::string(key) + " must be >= 0 (0 = preset)");
    if (value > 0) *field = value;
  };
  override_int("model.hidden_size", &o.model.hidden_size);
  override_int("model.num_hidden_layers", &o.model.num_hidden_layers);
  override_int("model.num_attention_heads", &o.model.num_attention_heads);
  override_int("model.intermediate_size", &o.model.intermediate_size);
  override_int("model.max_position_embeddings", &o.model.max_position_embeddings);
  auto override_prob = [&](const char* key, double* field) {
    const double value = config.get_float(key);
    if (value > 1.0) throw UsageError(std::string(key) + " must be <= 1");
    if (value >= 0) *field = value;
  };
  override_prob("model.hidden_dropout_prob", &o.model.hidden_dropout_prob);
  override_prob("model.attention_probs_dropout_prob", &o.model.attention_probs_dropout_prob);
  validate(o.model);
  o.shards = config.get_string("data.shards");
  o.max_seq_length = config.get_int("data.max_seq_length");
  if (o.max_seq_length < 8) throw UsageError("data.max_seq_length must be >= 8");
  if (o.max_seq_length > o.model.max_position_embeddings) {
    throw UsageError("data.max_seq_length " + std::to_string(o.max_seq_length) +
                     " exceeds the model's max_position_embeddings " +
                     std::to_string(o.model.max_position_embeddings));
  }
  o.threads = config.get_int("data.threads");
  if (o.threads < 0) throw UsageError("data.threads must be >= 0");
  o.masking.mask_prob = config.get_float("masking.mask_prob");
  o.masking.max_predictions = static_cast<int32_t>(config.get_int("masking.max_predictions"));
  o.masking.mask_token_frac = config.get_float("masking.mask_token_frac");
  o.masking.random_token_frac = config.get_float("masking.random_token_frac");
  o.masking.whole_word = config.get_bool("masking.whole_word");
  o.masking.validate();
  o.seed = static_cast<uint64_t>(config.get_int("train.seed"));
  return o;
}

}  // namespace ptk::text
