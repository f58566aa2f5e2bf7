// BERT with its task heads, HF-exact in keys and numerics: BertForPreTraining (masked-LM head
// whose decoder is the word embedding matrix, computed only at the masked positions, plus the
// next-sentence head) and BertForSequenceClassification (classification, or regression when
// num_labels is 1). Bad inputs throw ptk::Error.
//
// The MLM decoder weight is stored once, as bert.embeddings.word_embeddings.weight; there is no
// `cls.predictions.decoder.*` key. HF's BertForPreTraining ties the decoder on load and does not
// report the missing tied key; an exporter that wants HF's full key list adds
// `cls.predictions.decoder.weight` (= the word embeddings) and `cls.predictions.decoder.bias`
// (= cls.predictions.bias) and an importer drops them after checking they equal those tensors.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "text/models/bert.h"
#include "text/models/bert_config.h"

namespace ptk::text {

struct BertPreTrainingOutput {
  at::Tensor sequence_output;  // [B, T, H]
  at::Tensor pooled_output;    // [B, H]
  at::Tensor mlm_logits;       // [N, vocab_size], one row per selected position; see forward()
  at::Tensor nsp_logits;       // [B, 2]: index 0 = "B follows A", as in HF and Google's BERT
};

// HF BertForPreTraining. Children: bert (BertModel), cls{predictions{bias, transform{dense,
// LayerNorm}}, seq_relationship}; keys "bert.*", "cls.predictions.bias",
// "cls.predictions.transform.{dense,LayerNorm}.*", "cls.seq_relationship.*".
class BertForPreTrainingImpl : public torch::nn::Module {
 public:
  explicit BertForPreTrainingImpl(const BertConfig& config);

  // input_ids, token_type_ids, attention_mask as BertModel::forward. `masked` selects the
  // positions that get MLM logits (the vocabulary projection is the costly part, so it runs only
  // there):
  //   bool [B, T]            the true positions, in row-major (batch, position) order;
  //   integer [N]            flat indices b * T + t into the [B, T] grid;
  //   integer [B, P]         per-sequence positions in [0, T) (the masked_lm_positions of
  //                          NVIDIA's shards); row b * P + p of the result. Padding entries give
  //                          rows that the loss must ignore.
  //   undefined              no MLM logits (mlm_logits is undefined).
  // Throws ptk::Error on a shape, dtype or index out of range.
  BertPreTrainingOutput forward(const at::Tensor& input_ids, const at::Tensor& token_type_ids = {},
                                const at::Tensor& attention_mask = {},
                                const at::Tensor& masked = {});

  // The MLM head on already selected hidden states [N, H] -> [N, vocab_size].
  at::Tensor mlm_head(const at::Tensor& hidden);
  // Rows of sequence_output [B, T, H] picked by `masked` (forms as in forward) -> [N, H].
  static at::Tensor select_masked(const at::Tensor& sequence_output, const at::Tensor& masked);

  BertModel& bert() { return bert_; }
  const BertConfig& config() const { return bert_->config(); }

 private:
  BertModel bert_{nullptr};
  at::Tensor mlm_bias_;
  torch::nn::Linear transform_dense_{nullptr};
  torch::nn::LayerNorm transform_norm_{nullptr};
  torch::nn::Linear seq_relationship_{nullptr};
};
TORCH_MODULE(BertForPreTraining);

// HF BertForSequenceClassification: dropout(pooled) -> classifier. Keys "bert.*",
// "classifier.{weight,bias}". num_labels 1 means regression (GLUE STS-B). The dropout rate is
// hidden_dropout_prob (HF's default when its config has no classifier_dropout).
class BertForSequenceClassificationImpl : public torch::nn::Module {
 public:
  // Throws ptk::Error (usage) when num_labels < 1 or the config is invalid.
  BertForSequenceClassificationImpl(const BertConfig& config, int64_t num_labels);

  // Inputs as BertModel::forward -> logits [B, num_labels].
  at::Tensor forward(const at::Tensor& input_ids, const at::Tensor& token_type_ids = {},
                     const at::Tensor& attention_mask = {});

  BertModel& bert() { return bert_; }
  int64_t num_labels() const { return num_labels_; }

 private:
  BertModel bert_{nullptr};
  torch::nn::Linear classifier_{nullptr};
  int64_t num_labels_;
};
TORCH_MODULE(BertForSequenceClassification);

// HF's loss for the head: mean squared error against float targets [B] when logits are [B, 1]
// (regression), otherwise mean cross-entropy against class ids [B] in [0, num_labels).
// Throws ptk::Error on mismatched batch sizes or labels out of range.
at::Tensor sequence_classification_loss(const at::Tensor& logits, const at::Tensor& labels);

// Google BERT's pretraining loss: mean cross-entropy of mlm_logits [N, V] against mlm_labels [N]
// over the rows whose label is not `ignore_index`, plus mean cross-entropy of nsp_logits [B, 2]
// against nsp_labels [B] when nsp_labels is defined.
at::Tensor pretraining_loss(const BertPreTrainingOutput& output, const at::Tensor& mlm_labels,
                            const at::Tensor& nsp_labels, int64_t ignore_index = -100);

}  // namespace ptk::text
