// The shape of a BERT encoder as Hugging Face's BertConfig defines it, the named presets, the
// closed-form parameter counts, and reading/writing HF's config.json. Torch-free, so configs can
// be parsed, checked and sized without building a model. Every bad value is a ptk::Error
// (usage) naming the field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::text {

struct BertConfig {
  // Defaults are bert-base-uncased (HF's BertConfig defaults).
  int64_t vocab_size = 30522;
  int64_t hidden_size = 768;
  int64_t num_hidden_layers = 12;
  int64_t num_attention_heads = 12;
  int64_t intermediate_size = 3072;
  // "gelu" is the exact erf GELU (what BERT checkpoints use); "gelu_new" the tanh
  // approximation; "relu".
  std::string hidden_act = "gelu";
  double hidden_dropout_prob = 0.1;
  double attention_probs_dropout_prob = 0.1;
  int64_t max_position_embeddings = 512;
  int64_t type_vocab_size = 2;
  double initializer_range = 0.02;
  double layer_norm_eps = 1e-12;
  // Row of the word embeddings that is initialised to zero and receives no gradient.
  int64_t pad_token_id = 0;
  // Pre-LN encoder (LayerNorm before attention and FFN, one final LayerNorm) in Megatron-BERT's
  // layout. HF's BertModel has no such variant: a pre-LN model is not loadable as HF BERT.
  bool pre_layer_norm = false;
};

// Preset names, in the order they are listed in errors and help texts.
const std::vector<std::string>& bert_config_names();

// bert-base (12/768/12/3072), bert-large (24/1024/16/4096) and Google's compact models
// bert-tiny (2/128/2/512), bert-mini (4/256/4/1024), bert-small (4/512/8/2048),
// bert-medium (8/512/8/2048); all with vocab 30522, 512 positions, 2 token types.
// Throws ptk::Error (usage) listing the valid names when `name` is unknown.
BertConfig bert_config(const std::string& name);

// Throws ptk::Error (usage) naming the first invalid field and its value.
void validate(const BertConfig& config);

// Parameters of the encoder with pooler (HF BertModel): 109,482,240 for bert-base.
int64_t parameter_count(const BertConfig& config);
// BertModel plus the MLM transform, MLM output bias and NSP head; the MLM decoder weight is the
// word embedding matrix and is counted once (as torch's parameters() does for tied weights).
int64_t pretraining_parameter_count(const BertConfig& config);
// BertModel plus a num_labels-way classifier on the pooled output.
int64_t sequence_classification_parameter_count(const BertConfig& config, int64_t num_labels);

// HF's config.json for BertForPreTraining: architectures, model_type "bert", and every field of
// BertConfig (pre_layer_norm only when set, as HF has no such key). Pretty-printed, stable order.
std::string to_hf_json(const BertConfig& config);

// Reads an HF BERT config.json text. Missing fields keep BertConfig's defaults (as HF's do);
// unknown fields are ignored. Throws ptk::Error (usage) on malformed JSON, a field of the wrong
// type, a model_type other than "bert", a position_embedding_type other than "absolute", or a
// config that fails validate(). `origin` (e.g. the file name) prefixes the messages.
BertConfig from_hf_json(const std::string& text, const std::string& origin = "config.json");

// Reads and parses the file at `path`; ptk::Error naming the path when it cannot be read.
BertConfig load_hf_config(const std::string& path);

}  // namespace ptk::text
