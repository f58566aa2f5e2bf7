#include "text/models/bert_source.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <utility>
#include <vector>

#include "common/base/error.h"
#include "common/data/manifest.h"

namespace ptk::text {

namespace {

namespace fs = std::filesystem;

// The model.* overrides as BertTaskOptions applies them (bert_task_options.cpp): ints > 0 and
// dropout rates >= 0 replace the preset's value.
BertConfig stored_bert_config(const config::StoredConfig& stored) {
  BertConfig config = bert_config(*stored.get_string("model.preset"));
  const std::pair<const char*, int64_t*> ints[] = {
      {"model.hidden_size", &config.hidden_size},
      {"model.num_hidden_layers", &config.num_hidden_layers},
      {"model.num_attention_heads", &config.num_attention_heads},
      {"model.intermediate_size", &config.intermediate_size},
      {"model.max_position_embeddings", &config.max_position_embeddings}};
  for (const auto& [key, field] : ints) {
    const std::optional<int64_t> value = stored.get_int(key);
    if (value && *value > 0) *field = *value;
  }
  const std::pair<const char*, double*> probs[] = {
      {"model.hidden_dropout_prob", &config.hidden_dropout_prob},
      {"model.attention_probs_dropout_prob", &config.attention_probs_dropout_prob}};
  for (const auto& [key, field] : probs) {
    const std::optional<double> value = stored.get_float(key);
    if (value && *value >= 0) *field = *value;
  }
  return config;
}

// The tokenizer the stored data.shards' manifest lists (ptk-bert copies it into every set).
void find_shard_tokenizer(const config::StoredConfig& stored, BertSource* source) {
  const std::optional<std::string> shards = stored.get_string("data.shards");
  if (!shards || shards->empty()) {
    source->run_tokenizer_problem = stored.origin() + " names no data.shards";
    return;
  }
  if (!fs::exists(fs::path(*shards) / "manifest.yaml")) {
    source->run_tokenizer_problem =
        "the checkpoint's shard set " + *shards + " (data.shards) has no manifest.yaml here";
    return;
  }
  const data::Manifest manifest = data::Manifest::load(*shards);
  const auto it = manifest.files.find("tokenizer");
  if (it == manifest.files.end()) {
    source->run_tokenizer_problem = *shards + "/manifest.yaml lists no tokenizer";
    return;
  }
  source->run_tokenizer_path = (fs::path(*shards) / it->second).string();
}

// `tokenizer` when given (it must exist), else the run's own tokenizer.
void choose_tokenizer(const std::string& tokenizer, BertSource* source) {
  if (tokenizer.empty()) {
    source->tokenizer_path = source->run_tokenizer_path;
    source->tokenizer_problem = source->run_tokenizer_problem;
    return;
  }
  if (!fs::exists(tokenizer)) {
    throw usage_error("export.tokenizer: '{}' does not exist", tokenizer);
  }
  source->tokenizer_path = tokenizer;
}

}  // namespace

BertSource stored_bert_source(const config::StoredConfig& stored, const std::string& tokenizer) {
  BertSource source;
  source.config = stored_bert_config(stored);
  find_shard_tokenizer(stored, &source);
  choose_tokenizer(tokenizer, &source);
  return source;
}

BertSource hf_folder_source(const std::string& folder, const std::string& tokenizer) {
  BertSource source;
  source.config = load_hf_config((fs::path(folder) / "config.json").string());
  source.run_tokenizer_path = hf_folder_tokenizer(folder);
  if (source.run_tokenizer_path.empty()) {
    source.run_tokenizer_problem = folder + " holds no vocab.txt or SentencePiece .model";
  }
  choose_tokenizer(tokenizer, &source);
  return source;
}

std::string hf_folder_tokenizer(const std::string& folder) {
  if (fs::exists(fs::path(folder) / "vocab.txt")) return (fs::path(folder) / "vocab.txt").string();
  std::vector<std::string> models;
  for (const auto& entry : fs::directory_iterator(folder)) {
    if (entry.path().extension() == ".model") models.push_back(entry.path().string());
  }
  std::sort(models.begin(), models.end());
  return models.empty() ? "" : models.front();
}

const std::string& require_tokenizer(const BertSource& source, const std::string& origin) {
  if (source.tokenizer_path.empty()) {
    throw usage_error("no tokenizer for {}: {}; give one with export.tokenizer=PATH", origin,
                      source.tokenizer_problem);
  }
  return source.tokenizer_path;
}

}  // namespace ptk::text
