#include "recipes/export/checkpoint_models.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <string>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "common/base/error.h"
#include "common/train/checkpoint.h"
#include "common/train/weight_import.h"
#include "text/models/bert_heads.h"
#include "text/models/hf_bert_keys.h"
#include "text/tokenizers/pretraining_vocab.h"
#include "text/tokenizers/tokenizer_process.h"
#include "vision/models/resnet.h"

namespace ptk::recipes {

namespace {

const at::Tensor& require(const io::StateDict& state, const std::string& name,
                          const ExportSource& source, int64_t dim) {
  const at::Tensor* tensor = io::find_tensor(state, name);
  if (tensor == nullptr || tensor->dim() != dim) {
    throw error("{}/model.pt: no {}-d tensor '{}' (is it a {} checkpoint?)", source.checkpoint_dir,
                dim, name, config::to_string(source.kind));
  }
  return *tensor;
}

}  // namespace

text::PretrainingVocab export_vocab(const ExportSource& source, bool allow_other) {
  text::TokenizerProcess tokenizer(text::require_tokenizer(source.bert, source.checkpoint_dir));
  text::PretrainingVocab vocab = text::PretrainingVocab::read(tokenizer.vocab_file());
  if (source.bert.tokenizer_path == source.bert.run_tokenizer_path) return vocab;
  if (source.bert.run_tokenizer_path.empty()) {
    spdlog::warn(
        "export.tokenizer {} cannot be checked against the tokenizer the run trained "
        "with: {}",
        source.bert.tokenizer_path, source.bert.run_tokenizer_problem);
    return vocab;
  }
  text::TokenizerProcess run_tokenizer(source.bert.run_tokenizer_path);
  const text::PretrainingVocab run_vocab = text::PretrainingVocab::read(run_tokenizer.vocab_file());
  if (run_vocab.tokenizer_hash == vocab.tokenizer_hash) return vocab;
  const std::string difference = fmt::format(
      "export.tokenizer {} (tokenizer {}, {} tokens) is not the tokenizer the run trained with, "
      "{} (tokenizer {}, {} tokens)",
      source.bert.tokenizer_path, vocab.tokenizer_hash, vocab.size(),
      source.bert.run_tokenizer_path, run_vocab.tokenizer_hash, run_vocab.size());
  if (!allow_other) {
    throw usage_error(
        "{}: the export would pair the weights with other token ids; set "
        "export.allow_other_tokenizer=true to export with it anyway",
        difference);
  }
  spdlog::warn("{} (export.allow_other_tokenizer=true)", difference);
  return vocab;
}

io::StateDict source_weights(const ExportSource& source) {
  if (source.weights_path.empty()) return train::read_checkpoint_model(source.checkpoint_dir);
  io::StateDict state = train::read_weight_file(source.weights_path);
  return source.kind == config::RecipeKind::kBert ? text::from_hf_bert_keys(std::move(state))
                                                  : state;
}

std::shared_ptr<vision::ResNetImpl> load_resnet(const ExportSource& source,
                                                const io::StateDict& state) {
  vision::ResNetConfig config = vision::resnet_config(source.arch);
  const bool headless = io::find_tensor(state, "fc.weight") == nullptr &&
                        io::find_tensor(state, "fc.bias") == nullptr;
  if (!headless) config.num_classes = require(state, "fc.weight", source, 2).size(0);
  auto model = std::make_shared<vision::ResNetImpl>(config);
  try {
    if (headless) {
      train::import_weights(*model, state, {"fc."}, source.checkpoint_dir);
    } else {
      io::load_module_state_dict(*model, state, /*strict=*/true);
    }
  } catch (const Error& e) {
    throw error("{}: weights do not fit model.arch {}: {}", source.checkpoint_dir, source.arch,
                e.what());
  }
  model->eval();
  return model;
}

std::shared_ptr<text::BertForPreTrainingImpl> load_bert(const ExportSource& source,
                                                        const io::StateDict& state,
                                                        const text::PretrainingVocab* vocab) {
  text::BertConfig config = source.bert.config;
  config.vocab_size = require(state, "bert.embeddings.word_embeddings.weight", source, 2).size(0);
  if (vocab != nullptr) {
    if (vocab->size() != config.vocab_size) {
      throw error("{}: the model has {} word embeddings but the tokenizer {} has {} tokens",
                  source.checkpoint_dir, config.vocab_size, source.bert.tokenizer_path,
                  vocab->size());
    }
    config.pad_token_id = vocab->specials.pad;
  } else {
    config.pad_token_id = 0;
  }
  auto model = std::make_shared<text::BertForPreTrainingImpl>(config);
  try {
    io::load_module_state_dict(*model, state, /*strict=*/true);
  } catch (const Error& e) {
    throw error("{}: weights do not fit the stored model.* config: {}", source.checkpoint_dir,
                e.what());
  }
  model->eval();
  return model;
}

at::Tensor reference_images(int64_t size) {
  // A smooth pattern plus a per-channel offset: varied enough that every filter responds.
  const at::Tensor index = at::arange(2 * 3 * size * size, at::kFloat).reshape({2, 3, size, size});
  return 2.0 * at::sin(index * 0.0137) * at::cos(index * 0.00071 + 0.5);
}

ReferenceTokens reference_tokens(int64_t vocab_size, int64_t max_positions) {
  const int64_t length = std::min<int64_t>(16, max_positions);
  ReferenceTokens tokens;
  const at::Tensor index = at::arange(2 * length, at::kLong).reshape({2, length});
  tokens.input_ids = (index * 7919 + 13) % vocab_size;
  tokens.token_type_ids = (index % length >= length / 2).to(at::kLong);
  tokens.attention_mask = at::ones({2, length}, at::kLong);
  const int64_t padded = std::min<int64_t>(3, length - 1);
  if (padded > 0) tokens.attention_mask[1].slice(0, length - padded).fill_(0);
  return tokens;
}

}  // namespace ptk::recipes
