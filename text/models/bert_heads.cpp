#include "text/models/bert_heads.h"

#include <ATen/ATen.h>

#include <memory>
#include <sstream>
#include <string>

#include "common/base/error.h"

namespace ptk::text {
namespace {

namespace nn = torch::nn;

std::string shape_string(const at::Tensor& x) {
  std::ostringstream out;
  out << x.sizes();
  return out.str();
}

at::Tensor activation(const std::string& name, const at::Tensor& x) {
  if (name == "gelu") return at::gelu(x);
  if (name == "gelu_new") return at::gelu(x, "tanh");
  return at::relu(x);
}

// Throws unless every element of the integer tensor `index` is in [0, limit).
void check_range(const at::Tensor& index, int64_t limit, const std::string& what) {
  if (index.numel() > 0 && (index.lt(0) | index.ge(limit)).any().item<bool>()) {
    throw error("bert: {} must be in [0, {}) (got values in [{}, {}])", what, limit,
                index.min().item<int64_t>(), index.max().item<int64_t>());
  }
}

}  // namespace

BertForPreTrainingImpl::BertForPreTrainingImpl(const BertConfig& config) {
  bert_ = register_module("bert", BertModel(config));
  const int64_t h = config.hidden_size;
  auto cls = register_module("cls", std::make_shared<nn::Module>());
  auto predictions = cls->register_module("predictions", std::make_shared<nn::Module>());
  // Registered before `transform`, so the key order is HF's: cls.predictions.bias first.
  mlm_bias_ = predictions->register_parameter("bias", at::zeros({config.vocab_size}));
  auto transform = predictions->register_module("transform", std::make_shared<nn::Module>());
  transform_dense_ = transform->register_module("dense", nn::Linear(h, h));
  transform_norm_ = transform->register_module(
      "LayerNorm", nn::LayerNorm(nn::LayerNormOptions({h}).eps(config.layer_norm_eps)));
  seq_relationship_ = cls->register_module("seq_relationship", nn::Linear(h, 2));
  // Only the new modules: re-initialising `bert` would redraw it from the generator again.
  init_bert_weights(*cls, config);
}

at::Tensor BertForPreTrainingImpl::mlm_head(const at::Tensor& hidden) {
  const at::Tensor x =
      transform_norm_->forward(activation(config().hidden_act, transform_dense_->forward(hidden)));
  // The decoder is the word embedding matrix itself (tied), plus the head's own bias.
  return at::linear(x, bert_->word_embedding_weight(), mlm_bias_);
}

at::Tensor BertForPreTrainingImpl::select_masked(const at::Tensor& sequence_output,
                                                 const at::Tensor& masked) {
  const int64_t batch = sequence_output.size(0), length = sequence_output.size(1);
  const at::Tensor flat = sequence_output.reshape({batch * length, sequence_output.size(2)});
  if (masked.device() != sequence_output.device()) {
    throw error("bert: masked positions are on {} but the model is on {}", masked.device().str(),
                sequence_output.device().str());
  }
  if (masked.scalar_type() == at::kBool) {
    if (masked.sizes() != sequence_output.sizes().slice(0, 2)) {
      throw error("bert: a boolean MLM mask must be [batch, length] = [{}, {}] (got {})", batch,
                  length, shape_string(masked));
    }
    return flat.index_select(0, masked.reshape({-1}).nonzero().squeeze(1));
  }
  if (!at::isIntegralType(masked.scalar_type(), /*includeBool=*/false)) {
    throw error("bert: MLM positions must be a bool mask or an integer tensor (got {})",
                c10::toString(masked.scalar_type()));
  }
  const at::Tensor index = masked.to(at::kLong);
  if (index.dim() == 1) {
    check_range(index, batch * length, "flat MLM indices (batch * length)");
    return flat.index_select(0, index);
  }
  if (index.dim() == 2 && index.size(0) == batch) {
    check_range(index, length, "MLM positions (length)");
    const at::Tensor rows = at::arange(batch, index.options()).unsqueeze(1) * length;
    return flat.index_select(0, (index + rows).reshape({-1}));
  }
  throw error("bert: MLM positions must be [N] flat indices or [batch = {}, P] positions (got {})",
              batch, shape_string(masked));
}

BertPreTrainingOutput BertForPreTrainingImpl::forward(const at::Tensor& input_ids,
                                                      const at::Tensor& token_type_ids,
                                                      const at::Tensor& attention_mask,
                                                      const at::Tensor& masked) {
  BertModelOutput encoded = bert_->forward(input_ids, token_type_ids, attention_mask);
  BertPreTrainingOutput out;
  out.sequence_output = encoded.sequence_output;
  out.pooled_output = encoded.pooled_output;
  if (masked.defined()) out.mlm_logits = mlm_head(select_masked(out.sequence_output, masked));
  out.nsp_logits = seq_relationship_->forward(out.pooled_output);
  return out;
}

BertForSequenceClassificationImpl::BertForSequenceClassificationImpl(const BertConfig& config,
                                                                     int64_t num_labels)
    : num_labels_(num_labels) {
  if (num_labels < 1) {
    throw usage_error("bert: num_labels must be >= 1, 1 meaning regression (got {})", num_labels);
  }
  bert_ = register_module("bert", BertModel(config));
  classifier_ = register_module("classifier", nn::Linear(config.hidden_size, num_labels));
  init_bert_weights(*classifier_, config);
}

at::Tensor BertForSequenceClassificationImpl::forward(const at::Tensor& input_ids,
                                                      const at::Tensor& token_type_ids,
                                                      const at::Tensor& attention_mask) {
  const at::Tensor pooled = bert_->forward(input_ids, token_type_ids, attention_mask).pooled_output;
  return classifier_->forward(
      at::dropout(pooled, bert_->config().hidden_dropout_prob, is_training()));
}

at::Tensor sequence_classification_loss(const at::Tensor& logits, const at::Tensor& labels) {
  if (logits.dim() != 2 || labels.dim() != 1 || labels.size(0) != logits.size(0)) {
    throw error(
        "bert: classification loss needs logits [B, num_labels] and labels [B] (got {} and {})",
        shape_string(logits), shape_string(labels));
  }
  if (logits.size(1) == 1) {
    return at::mse_loss(logits.squeeze(1), labels.to(logits.scalar_type()));
  }
  if (!at::isIntegralType(labels.scalar_type(), /*includeBool=*/false)) {
    throw error("bert: classification labels must be integer class ids");
  }
  const at::Tensor ids = labels.to(at::kLong);
  check_range(ids, logits.size(1), "classification labels (num_labels)");
  return at::cross_entropy_loss(logits, ids);
}

at::Tensor pretraining_loss(const BertPreTrainingOutput& output, const at::Tensor& mlm_labels,
                            const at::Tensor& nsp_labels, int64_t ignore_index) {
  const at::Tensor& mlm = output.mlm_logits;
  if (!mlm.defined() || mlm_labels.dim() != 1 || mlm_labels.size(0) != mlm.size(0)) {
    throw error(
        "bert: pretraining loss needs one MLM label per MLM logit row (got logits {} and labels "
        "{})",
        mlm.defined() ? shape_string(mlm) : std::string("undefined"), shape_string(mlm_labels));
  }
  const at::Tensor labels = mlm_labels.to(at::kLong);
  check_range(labels.masked_select(labels.ne(ignore_index)), mlm.size(1), "MLM labels (vocab)");
  at::Tensor loss = at::cross_entropy_loss(mlm, labels, {}, at::Reduction::Mean, ignore_index);
  if (nsp_labels.defined()) {
    if (nsp_labels.dim() != 1 || nsp_labels.size(0) != output.nsp_logits.size(0)) {
      throw error("bert: NSP labels must be [batch = {}] (got {})", output.nsp_logits.size(0),
                  shape_string(nsp_labels));
    }
    const at::Tensor nsp = nsp_labels.to(at::kLong);
    check_range(nsp, 2, "NSP labels");
    loss = loss + at::cross_entropy_loss(output.nsp_logits, nsp);
  }
  return loss;
}

}  // namespace ptk::text
