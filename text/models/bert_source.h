// The BERT an export or a fine-tuning starts from, before any tensor is read: its architecture
// (a ptk-bert checkpoint's preset with the stored model.* overrides, or an HF folder's
// config.json) and its tokenizer. Torch-free: it reads YAML, JSON and manifests only; the
// weights are read where the model is built.
#pragma once

#include <string>

#include "common/config/stored_config.h"
#include "text/models/bert_config.h"

namespace ptk::text {

struct BertSource {
  // The architecture as the writer built it. vocab_size and pad_token_id are filled from the
  // weights and the tokenizer when the model is built.
  BertConfig config;
  // The tokenizer file to use (the one asked for, else the run's); "" when none was found,
  // with the reason in tokenizer_problem.
  std::string tokenizer_path;
  std::string tokenizer_problem;
  // The tokenizer the weights were trained with (what a checkpoint's shard set lists, or the
  // HF folder's), whatever was asked for; "" when it is not here, with the reason in
  // run_tokenizer_problem.
  std::string run_tokenizer_path;
  std::string run_tokenizer_problem;
};

// A ptk-bert checkpoint's stored config: model.preset with the model.* overrides as ptk-bert
// applied them, and the tokenizer the stored data.shards' manifest lists. `tokenizer`, when not
// "", is used instead (it must exist: a usage_error naming export.tokenizer otherwise).
BertSource stored_bert_source(const config::StoredConfig& stored, const std::string& tokenizer);

// An HF BERT folder, which has config.json (the caller checks): its architecture, and its
// tokenizer (hf_folder_tokenizer) unless `tokenizer` names one (as for stored_bert_source).
BertSource hf_folder_source(const std::string& folder, const std::string& tokenizer);

// The tokenizer an HF folder carries: vocab.txt (WordPiece) or its first *.model
// (SentencePiece); "" when it has neither.
std::string hf_folder_tokenizer(const std::string& folder);

// tokenizer_path, or a ptk::Error saying why `origin` (the checkpoint or folder) has none and
// that export.tokenizer gives one.
const std::string& require_tokenizer(const BertSource& source, const std::string& origin);

}  // namespace ptk::text
