// The BERT encoder (HF BertModel: embeddings, encoder layers, pooler) as a LibTorch module whose
// module tree, state-dict keys and order, initialisation and numerics are Hugging Face's: post-LN,
// exact erf GELU, LayerNorm eps from the config (1e-12), additive padding mask with the dtype's
// lowest value. Bad inputs throw ptk::Error; the module is not thread-safe (as any nn::Module).
//
// State-dict notes, kept deliberately so files move both ways with HF:
// - HF registers `embeddings.position_ids` (and newer versions `embeddings.token_type_ids`) as
//   buffers; they are derived from the sequence length, non-persistent in current HF, and absent
//   here. HF loads our state dict without them; importers drop them when present.
// - pre_layer_norm follows Megatron-BERT's layout instead (`encoder.layer.{i}.attention.ln`,
//   `encoder.layer.{i}.ln`, `encoder.ln`; no embeddings/sublayer LayerNorms), so a pre-LN state
//   dict can never be silently loaded into a post-LN HF BertModel.
#pragma once

#include <ATen/core/Tensor.h>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "text/models/bert_config.h"

namespace ptk::text {

// One encoder layer (HF BertLayer). Children, as in HF: attention{self{query,key,value},
// output{dense,LayerNorm}}, intermediate{dense}, output{dense,LayerNorm}. The sub-containers are
// plain modules: they exist for the key names, and the whole layer runs in forward().
class BertLayerImpl : public torch::nn::Module {
 public:
  explicit BertLayerImpl(const BertConfig& config);

  // hidden [B, T, H]; additive_mask [B, 1, 1, T] (0 where attended, the dtype's lowest value at
  // padding) or undefined for no masking. Returns [B, T, H].
  at::Tensor forward(const at::Tensor& hidden, const at::Tensor& additive_mask);

 private:
  at::Tensor self_attention(const at::Tensor& hidden, const at::Tensor& additive_mask);
  at::Tensor activation(const at::Tensor& x) const;

  BertConfig config_;
  torch::nn::Linear query_{nullptr}, key_{nullptr}, value_{nullptr};
  torch::nn::Linear attention_dense_{nullptr}, intermediate_dense_{nullptr}, output_dense_{nullptr};
  // Post-LN: the LayerNorms closing the attention and FFN sublayers. Pre-LN: the ones opening
  // them (attention.ln, ln).
  torch::nn::LayerNorm attention_norm_{nullptr}, output_norm_{nullptr};
};
TORCH_MODULE(BertLayer);

struct BertModelOutput {
  at::Tensor sequence_output;  // [B, T, H]: the last layer's hidden states
  at::Tensor pooled_output;    // [B, H]: tanh(dense(first token))
};

// HF BertModel with pooler. Children: embeddings{word_embeddings, position_embeddings,
// token_type_embeddings, LayerNorm}, encoder{layer{0..L-1}}, pooler{dense}.
// Construction validates the config and initialises as HF's _init_weights (below).
class BertModelImpl : public torch::nn::Module {
 public:
  explicit BertModelImpl(const BertConfig& config);

  // input_ids [B, T] (any integer dtype), 1 <= T <= max_position_embeddings, ids in
  // [0, vocab_size). token_type_ids [B, T] in [0, type_vocab_size), undefined = all 0.
  // attention_mask [B, T], 1 (or true) = attend, 0 = padding, undefined = attend everywhere.
  // Dropout (hidden states and attention probabilities) only in training mode.
  // Throws ptk::Error naming the argument on wrong rank, shape, dtype, device or range.
  BertModelOutput forward(const at::Tensor& input_ids, const at::Tensor& token_type_ids = {},
                          const at::Tensor& attention_mask = {});

  // The [V, H] word embedding matrix, also the MLM decoder weight of the pretraining head.
  const at::Tensor& word_embedding_weight() const { return word_embeddings_->weight; }
  const BertConfig& config() const { return config_; }

 private:
  BertConfig config_;
  torch::nn::Embedding word_embeddings_{nullptr}, position_embeddings_{nullptr},
      token_type_embeddings_{nullptr};
  torch::nn::LayerNorm embeddings_norm_{nullptr};  // post-LN only
  torch::nn::ModuleList layers_{nullptr};
  torch::nn::LayerNorm final_norm_{nullptr};  // pre-LN only: encoder.ln
  torch::nn::Linear pooler_dense_{nullptr};
};
TORCH_MODULE(BertModel);

// HF's BertPreTrainedModel._init_weights over every descendant of `module`: Linear and Embedding
// weights ~ normal(0, initializer_range), Linear biases 0, the padding row of the word
// embeddings 0, LayerNorm weight 1 and bias 0. Other parameters are left as they are.
void init_bert_weights(torch::nn::Module& module, const BertConfig& config);

// The additive attention mask HF builds: [B, T] 0/1 -> [B, 1, 1, T] with 0 where attended and
// the lowest finite value of `dtype` at padding (torch.finfo(dtype).min).
at::Tensor additive_attention_mask(const at::Tensor& attention_mask, at::ScalarType dtype);

// sum(p.numel() for p in module.parameters()), each (possibly shared) tensor counted once.
int64_t count_parameters(const torch::nn::Module& module);

}  // namespace ptk::text
