#include "text/models/bert.h"

#include <ATen/ATen.h>
#include <c10/util/BFloat16.h>
#include <c10/util/Half.h>
#include <torch/nn/init.h>
#include <torch/utils.h>
#include <torch/version.h>

#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <string>
#include <unordered_set>

#include "common/base/error.h"

namespace ptk::text {
namespace {

namespace nn = torch::nn;

// A container module that exists only to give its children HF's dotted names.
std::shared_ptr<nn::Module> container(nn::Module& parent, const std::string& name) {
  return parent.register_module(name, std::make_shared<nn::Module>());
}

nn::LayerNorm layer_norm(const BertConfig& c) {
  return nn::LayerNorm(nn::LayerNormOptions({c.hidden_size}).eps(c.layer_norm_eps));
}

std::string shape_string(at::IntArrayRef shape) {
  std::ostringstream out;
  out << shape;
  return out.str();
}

std::string shape_string(const at::Tensor& x) { return shape_string(x.sizes()); }

// Checks an index tensor of shape [B, T] lies in [0, limit); converts it to int64.
at::Tensor checked_ids(const at::Tensor& ids, const char* name, int64_t limit,
                       at::IntArrayRef shape, const at::Device& device) {
  if (ids.sizes() != shape) {
    throw error("bert: {} must have the shape of input_ids {} (got {})", name, shape_string(shape),
                shape_string(ids));
  }
  if (!at::isIntegralType(ids.scalar_type(), /*includeBool=*/false)) {
    throw error("bert: {} must be an integer tensor (got {})", name,
                c10::toString(ids.scalar_type()));
  }
  if (ids.device() != device) {
    throw error("bert: {} is on {} but the model is on {}", name, ids.device().str(), device.str());
  }
  at::Tensor out = ids.to(at::kLong);
  // One host sync; an out-of-range index would otherwise be a crash (CPU) or a device assert.
  if (out.numel() > 0 && (out.lt(0) | out.ge(limit)).any().item<bool>()) {
    const int64_t low = out.min().item<int64_t>(), high = out.max().item<int64_t>();
    throw error("bert: {} must be in [0, {}) (got values in [{}, {}])", name, limit, low, high);
  }
  return out;
}

double lowest(at::ScalarType dtype) {
  switch (dtype) {
    case at::kDouble:
      return std::numeric_limits<double>::lowest();
    case at::kHalf:
      return static_cast<double>(std::numeric_limits<c10::Half>::lowest());
    case at::kBFloat16:
      return static_cast<double>(std::numeric_limits<c10::BFloat16>::lowest());
    default:
      return std::numeric_limits<float>::lowest();
  }
}

}  // namespace

at::Tensor additive_attention_mask(const at::Tensor& attention_mask, at::ScalarType dtype) {
  const at::Tensor keep = attention_mask.to(dtype).unsqueeze(1).unsqueeze(2);
  return (1.0 - keep) * lowest(dtype);
}

BertLayerImpl::BertLayerImpl(const BertConfig& config) : config_(config) {
  const int64_t h = config.hidden_size, ffn = config.intermediate_size;
  // Registration order is HF's (MegatronBertLayer's for pre-LN), which fixes state-dict order.
  auto attention = container(*this, "attention");
  if (config.pre_layer_norm) attention_norm_ = attention->register_module("ln", layer_norm(config));
  auto self = container(*attention, "self");
  query_ = self->register_module("query", nn::Linear(h, h));
  key_ = self->register_module("key", nn::Linear(h, h));
  value_ = self->register_module("value", nn::Linear(h, h));
  auto attention_output = container(*attention, "output");
  attention_dense_ = attention_output->register_module("dense", nn::Linear(h, h));
  if (!config.pre_layer_norm) {
    attention_norm_ = attention_output->register_module("LayerNorm", layer_norm(config));
  } else {
    output_norm_ = register_module("ln", layer_norm(config));
  }
  intermediate_dense_ =
      container(*this, "intermediate")->register_module("dense", nn::Linear(h, ffn));
  auto output = container(*this, "output");
  output_dense_ = output->register_module("dense", nn::Linear(ffn, h));
  if (!config.pre_layer_norm)
    output_norm_ = output->register_module("LayerNorm", layer_norm(config));
}

at::Tensor BertLayerImpl::activation(const at::Tensor& x) const {
  if (config_.hidden_act == "gelu") return at::gelu(x);  // exact erf form
  if (config_.hidden_act == "gelu_new") return at::gelu(x, "tanh");
  return at::relu(x);
}

at::Tensor BertLayerImpl::self_attention(const at::Tensor& hidden,
                                         const at::Tensor& additive_mask) {
  const int64_t batch = hidden.size(0), length = hidden.size(1);
  const int64_t heads = config_.num_attention_heads;
  const int64_t head_dim = config_.hidden_size / heads;
  // [B, T, H] -> [B, heads, T, head_dim]: all heads in one batched matmul.
  const auto split = [&](const at::Tensor& x) {
    return x.view({batch, length, heads, head_dim}).transpose(1, 2);
  };
  const at::Tensor q = split(query_(hidden)), k = split(key_(hidden)), v = split(value_(hidden));
  const double p = is_training() ? config_.attention_probs_dropout_prob : 0.0;
#if TORCH_VERSION_MAJOR >= 2
  // Under autocast q is bf16/fp16 while the mask was built in the weights' dtype; SDPA wants
  // them equal, and a plain cast would turn float's lowest value into -inf.
  c10::optional<at::Tensor> mask;
  if (additive_mask.defined()) {
    mask = additive_mask.clamp_min(lowest(q.scalar_type())).to(q.scalar_type());
  }
  const at::Tensor context =
      at::scaled_dot_product_attention(q, k, v, mask, p, /*is_causal=*/false);
#else
  // HF's eager attention: softmax(QK^T / sqrt(d) + mask), dropout on the probabilities, then V.
  at::Tensor scores = at::matmul(q, k.transpose(-1, -2)) / std::sqrt(static_cast<double>(head_dim));
  if (additive_mask.defined()) scores = scores + additive_mask;
  at::Tensor probs = at::softmax(scores, -1);
  probs = at::dropout(probs, p, is_training());
  const at::Tensor context = at::matmul(probs, v);
#endif
  return context.transpose(1, 2).reshape({batch, length, config_.hidden_size});
}

at::Tensor BertLayerImpl::forward(const at::Tensor& hidden, const at::Tensor& additive_mask) {
  const double p = config_.hidden_dropout_prob;
  const bool train = is_training();
  if (config_.pre_layer_norm) {
    at::Tensor x = hidden;
    x = x +
        at::dropout(attention_dense_(self_attention(attention_norm_(x), additive_mask)), p, train);
    x = x + at::dropout(output_dense_(activation(intermediate_dense_(output_norm_(x)))), p, train);
    return x;
  }
  at::Tensor x = attention_norm_(
      at::dropout(attention_dense_(self_attention(hidden, additive_mask)), p, train) + hidden);
  return output_norm_(at::dropout(output_dense_(activation(intermediate_dense_(x))), p, train) + x);
}

BertModelImpl::BertModelImpl(const BertConfig& config) : config_(config) {
  validate(config_);
  const int64_t h = config.hidden_size;
  auto embeddings = container(*this, "embeddings");
  word_embeddings_ = embeddings->register_module(
      "word_embeddings",
      nn::Embedding(nn::EmbeddingOptions(config.vocab_size, h).padding_idx(config.pad_token_id)));
  position_embeddings_ = embeddings->register_module(
      "position_embeddings", nn::Embedding(config.max_position_embeddings, h));
  token_type_embeddings_ = embeddings->register_module("token_type_embeddings",
                                                       nn::Embedding(config.type_vocab_size, h));
  if (!config.pre_layer_norm) {
    embeddings_norm_ = embeddings->register_module("LayerNorm", layer_norm(config));
  }
  auto encoder = container(*this, "encoder");
  layers_ = encoder->register_module("layer", nn::ModuleList());
  for (int64_t i = 0; i < config.num_hidden_layers; ++i) layers_->push_back(BertLayer(config));
  if (config.pre_layer_norm) final_norm_ = encoder->register_module("ln", layer_norm(config));
  pooler_dense_ = container(*this, "pooler")->register_module("dense", nn::Linear(h, h));
  init_bert_weights(*this, config_);
}

BertModelOutput BertModelImpl::forward(const at::Tensor& input_ids,
                                       const at::Tensor& token_type_ids,
                                       const at::Tensor& attention_mask) {
  if (!input_ids.defined() || input_ids.dim() != 2) {
    throw error("bert: input_ids must be [batch, length] (got {})",
                input_ids.defined() ? shape_string(input_ids) : std::string("undefined"));
  }
  const int64_t batch = input_ids.size(0), length = input_ids.size(1);
  if (batch < 1 || length < 1 || length > config_.max_position_embeddings) {
    throw error(
        "bert: input_ids {} needs batch >= 1 and 1 <= length <= max_position_embeddings = {}",
        shape_string(input_ids), config_.max_position_embeddings);
  }
  const at::Device device = word_embeddings_->weight.device();
  const at::Tensor ids =
      checked_ids(input_ids, "input_ids", config_.vocab_size, input_ids.sizes(), device);
  at::Tensor types = token_type_ids.defined()
                         ? checked_ids(token_type_ids, "token_type_ids", config_.type_vocab_size,
                                       input_ids.sizes(), device)
                         : at::zeros_like(ids);
  at::Tensor mask;
  if (attention_mask.defined()) {
    if (attention_mask.sizes() != input_ids.sizes()) {
      throw error("bert: attention_mask must have the shape of input_ids {} (got {})",
                  shape_string(input_ids), shape_string(attention_mask));
    }
    if (attention_mask.device() != device) {
      throw error("bert: attention_mask is on {} but the model is on {}",
                  attention_mask.device().str(), device.str());
    }
    mask = additive_attention_mask(attention_mask, word_embeddings_->weight.scalar_type());
  }

  const at::Tensor positions = at::arange(length, ids.options());
  at::Tensor x = word_embeddings_(ids) + token_type_embeddings_(types) +
                 position_embeddings_(positions).unsqueeze(0);
  if (embeddings_norm_) x = embeddings_norm_(x);
  x = at::dropout(x, config_.hidden_dropout_prob, is_training());
  for (const auto& layer : *layers_) x = layer->as<BertLayer>()->forward(x, mask);
  if (final_norm_) x = final_norm_(x);
  const at::Tensor pooled = at::tanh(pooler_dense_(x.select(1, 0)));
  return {x, pooled};
}

void init_bert_weights(torch::nn::Module& module, const BertConfig& config) {
  torch::NoGradGuard no_grad;
  const double std = config.initializer_range;
  if (auto* linear = module.as<nn::Linear>()) {
    linear->weight.normal_(0.0, std);
    if (linear->bias.defined()) linear->bias.zero_();
  } else if (auto* embedding = module.as<nn::Embedding>()) {
    embedding->weight.normal_(0.0, std);
    const auto& padding = embedding->options.padding_idx();
    if (padding) embedding->weight[*padding].zero_();
  } else if (auto* norm = module.as<nn::LayerNorm>()) {
    norm->weight.fill_(1.0);
    norm->bias.zero_();
  }
  // Recursing over children() rather than modules() works inside a constructor, before the
  // module is owned by a shared_ptr.
  for (const auto& child : module.children()) init_bert_weights(*child, config);
}

int64_t count_parameters(const torch::nn::Module& module) {
  std::unordered_set<const void*> seen;
  int64_t total = 0;
  for (const auto& p : module.parameters()) {
    if (seen.insert(p.unsafeGetTensorImpl()).second) total += p.numel();
  }
  return total;
}

}  // namespace ptk::text
