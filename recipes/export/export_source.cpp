#include "recipes/export/export_source.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <vector>

#include "common/base/error.h"
#include "common/data/manifest.h"
#include "common/train/checkpoint.h"

namespace ptk::recipes {

namespace {

namespace fs = std::filesystem;

// config["a"]["b"] for "a.b", or an undefined node. yaml-cpp's operator[] on a const node
// never inserts.
YAML::Node lookup(const YAML::Node& root, const std::string& section, const std::string& key) {
  if (!root.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node s = root[section];
  if (!s || !s.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return s[key];
}

template <typename T>
std::optional<T> get(const YAML::Node& root, const std::string& section, const std::string& key,
                     const std::string& origin) {
  const YAML::Node node = lookup(root, section, key);
  if (!node) return std::nullopt;
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw Error(origin + ": stored config key " + section + "." + key + " has a bad value");
  }
}

std::string find_step_dir(const std::string& path) {
  if (!fs::exists(path)) throw UsageError("export.checkpoint: '" + path + "' does not exist");
  if (fs::exists(fs::path(path) / train::kStateFile)) {
    if (!train::is_complete_checkpoint(path)) {
      throw Error(path + ": incomplete checkpoint (needs " + train::kModelFile + ", " +
                  train::kOptimizerFile + " and a readable " + train::kStateFile + ")");
    }
    return path;
  }
  const std::optional<std::string> latest = train::find_resumable_checkpoint(path);
  if (!latest) {
    throw UsageError("export.checkpoint: '" + path +
                     "' is neither a checkpoint directory (with state.yaml) nor a run directory "
                     "with a complete checkpoints/step_<N>");
  }
  return *latest;
}

// The model.* overrides as BertTaskOptions applies them (bert_task_options.cpp): ints > 0 and
// dropout rates >= 0 replace the preset's value.
text::BertConfig stored_bert_config(const YAML::Node& root, const std::string& origin) {
  text::BertConfig config = text::bert_config(*get<std::string>(root, "model", "preset", origin));
  const std::pair<const char*, int64_t*> ints[] = {
      {"hidden_size", &config.hidden_size},
      {"num_hidden_layers", &config.num_hidden_layers},
      {"num_attention_heads", &config.num_attention_heads},
      {"intermediate_size", &config.intermediate_size},
      {"max_position_embeddings", &config.max_position_embeddings}};
  for (const auto& [key, field] : ints) {
    const std::optional<int64_t> value = get<int64_t>(root, "model", key, origin);
    if (value && *value > 0) *field = *value;
  }
  const std::pair<const char*, double*> probs[] = {
      {"hidden_dropout_prob", &config.hidden_dropout_prob},
      {"attention_probs_dropout_prob", &config.attention_probs_dropout_prob}};
  for (const auto& [key, field] : probs) {
    const std::optional<double> value = get<double>(root, "model", key, origin);
    if (value && *value >= 0) *field = *value;
  }
  return config;
}

// The tokenizer the stored data.shards' manifest lists (ptk-bert copies it into every set).
void find_shard_tokenizer(const YAML::Node& root, const std::string& origin, ExportSource* source) {
  const std::optional<std::string> shards = get<std::string>(root, "data", "shards", origin);
  if (!shards || shards->empty()) {
    source->run_tokenizer_problem = origin + " names no data.shards";
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

// export.tokenizer when given (it must exist), else the run's own tokenizer.
void choose_tokenizer(const std::string& tokenizer, ExportSource* source) {
  if (tokenizer.empty()) {
    source->tokenizer_path = source->run_tokenizer_path;
    source->tokenizer_problem = source->run_tokenizer_problem;
    return;
  }
  if (!fs::exists(tokenizer)) {
    throw UsageError("export.tokenizer: '" + tokenizer + "' does not exist");
  }
  source->tokenizer_path = tokenizer;
}

}  // namespace

const char* to_string(RecipeKind kind) { return kind == RecipeKind::kWsl ? "wsl" : "bert"; }

ExportSource open_export_source(const std::string& path, const std::string& tokenizer) {
  ExportSource source;
  source.checkpoint_dir = find_step_dir(path);
  const train::CheckpointState state = train::read_checkpoint_state(source.checkpoint_dir);
  source.step = state.step;
  const std::string origin = source.checkpoint_dir + "/" + train::kStateFile;
  YAML::Node root;
  try {
    root = YAML::Load(state.config_yaml);
  } catch (const YAML::Exception& e) {
    throw Error(origin + ": the stored config is not YAML (" + std::string(e.what()) + ")");
  }
  if (lookup(root, "model", "arch")) {
    source.kind = RecipeKind::kWsl;
    source.arch = *get<std::string>(root, "model", "arch", origin);
    source.image_size = get<int64_t>(root, "data", "image_size", origin).value_or(224);
    source.eval_resize = get<int64_t>(root, "data", "eval_resize", origin).value_or(0);
  } else if (lookup(root, "model", "preset")) {
    source.kind = RecipeKind::kBert;
    source.bert = stored_bert_config(root, origin);
    find_shard_tokenizer(root, origin, &source);
    choose_tokenizer(tokenizer, &source);
  } else {
    throw Error(origin +
                ": the stored config has neither model.arch (ptk-wsl) nor model.preset "
                "(ptk-bert); ptk-export reads checkpoints of those recipes");
  }
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

ExportSource open_weights_source(const std::string& path, const std::string& arch,
                                 const std::string& tokenizer) {
  if (!fs::exists(path)) throw UsageError("init.from: '" + path + "' does not exist");
  ExportSource source;
  source.checkpoint_dir = path;
  source.weights_path = path;
  if (fs::is_directory(path)) {
    if (!fs::exists(fs::path(path) / "config.json")) {
      throw UsageError("init.from: '" + path +
                       "' is a folder without config.json (an HF BERT folder has one); a ResNet "
                       "comes as a .pth / .pt / .safetensors file");
    }
    source.kind = RecipeKind::kBert;
    source.bert = text::load_hf_config((fs::path(path) / "config.json").string());
    source.run_tokenizer_path = hf_folder_tokenizer(path);
    if (source.run_tokenizer_path.empty()) {
      source.run_tokenizer_problem = path + " holds no vocab.txt or SentencePiece .model";
    }
    choose_tokenizer(tokenizer, &source);
    return source;
  }
  if (arch.empty()) {
    throw UsageError("init.from: '" + path +
                     "' is a weights file; export.arch names its architecture (a preset such as "
                     "resnet50 or resnext101_32x8d)");
  }
  source.kind = RecipeKind::kWsl;
  source.arch = arch;
  return source;
}

const std::string& require_tokenizer(const ExportSource& source) {
  if (source.tokenizer_path.empty()) {
    throw UsageError("no tokenizer for " + source.checkpoint_dir + ": " + source.tokenizer_problem +
                     "; give one with export.tokenizer=PATH");
  }
  return source.tokenizer_path;
}

}  // namespace ptk::recipes
