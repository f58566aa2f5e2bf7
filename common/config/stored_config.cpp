#include "common/config/stored_config.h"

#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "common/base/error.h"
#include "common/train/checkpoint.h"

namespace ptk::config {

namespace {

namespace fs = std::filesystem;

// root["a"]["b"] for "a.b", or an undefined node. yaml-cpp's operator[] on a const node never
// inserts.
YAML::Node lookup(const YAML::Node& root, const std::string& key) {
  const size_t dot = key.find('.');
  if (!root.IsMap() || dot == std::string::npos) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node section = root[key.substr(0, dot)];
  if (!section || !section.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  return section[key.substr(dot + 1)];
}

template <typename T>
std::optional<T> get(const YAML::Node& root, const std::string& key, const std::string& origin) {
  const YAML::Node node = lookup(root, key);
  if (!node) return std::nullopt;
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw error("{}: stored config key {} has a bad value", origin, key);
  }
}

std::string find_step_dir(const std::string& path) {
  if (!fs::exists(path)) throw usage_error("export.checkpoint: '{}' does not exist", path);
  if (fs::exists(fs::path(path) / train::kStateFile)) {
    if (!train::is_complete_checkpoint(path)) {
      throw error("{}: incomplete checkpoint (needs {}, {} and a readable {})", path,
                  train::kModelFile, train::kOptimizerFile, train::kStateFile);
    }
    return path;
  }
  const std::optional<std::string> latest = train::find_resumable_checkpoint(path);
  if (!latest) {
    throw usage_error(
        "export.checkpoint: '{}' is neither a checkpoint directory (with state.yaml) nor a run "
        "directory with a complete checkpoints/step_<N>",
        path);
  }
  return *latest;
}

}  // namespace

StoredConfig::StoredConfig(const std::string& yaml_text, const std::string& origin)
    : origin_(origin) {
  try {
    root_ = std::make_shared<const YAML::Node>(YAML::Load(yaml_text));
  } catch (const YAML::Exception& e) {
    throw error("{}: the stored config is not YAML ({})", origin, e.what());
  }
}

bool StoredConfig::has(const std::string& key) const {
  return static_cast<bool>(lookup(*root_, key));
}

std::optional<std::string> StoredConfig::get_string(const std::string& key) const {
  return get<std::string>(*root_, key, origin_);
}

std::optional<int64_t> StoredConfig::get_int(const std::string& key) const {
  return get<int64_t>(*root_, key, origin_);
}

std::optional<double> StoredConfig::get_float(const std::string& key) const {
  return get<double>(*root_, key, origin_);
}

const char* to_string(RecipeKind kind) { return kind == RecipeKind::kWsl ? "wsl" : "bert"; }

StoredCheckpoint open_stored_checkpoint(const std::string& path) {
  const std::string step_dir = find_step_dir(path);
  const train::CheckpointState state = train::read_checkpoint_state(step_dir);
  StoredCheckpoint checkpoint{step_dir, state.step, RecipeKind::kWsl,
                              StoredConfig(state.config_yaml, step_dir + "/" + train::kStateFile)};
  if (checkpoint.config.has("model.arch")) {
    checkpoint.recipe = RecipeKind::kWsl;
  } else if (checkpoint.config.has("model.preset")) {
    checkpoint.recipe = RecipeKind::kBert;
  } else {
    throw error(
        "{}: the stored config has neither model.arch (ptk-wsl) nor model.preset (ptk-bert); "
        "ptk-export reads checkpoints of those recipes",
        checkpoint.config.origin());
  }
  return checkpoint;
}

}  // namespace ptk::config
