// A checkpoint opened for what it holds rather than to resume it: its step directory and the
// resolved config the recipe stored in it (state.yaml), read back without the recipe's schema,
// so that export and evaluation tools learn how the model was made. Torch-free header.
// Placed beside the config reader; it reads checkpoints through common/train/checkpoint.h.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace YAML {
class Node;
}  // namespace YAML

namespace ptk::config {

// A resolved config (Config::to_yaml) read back as plain YAML: its writer's schema may be
// unknown to the reader. Keys are "section.key"; a missing key is nullopt, a value of the
// wrong type a ptk::Error naming the origin and the key. Immutable; cheap to copy.
class StoredConfig {
 public:
  // Errors when `yaml_text` is not YAML; `origin` (the file it came from) names it in errors.
  StoredConfig(const std::string& yaml_text, const std::string& origin);

  const std::string& origin() const { return origin_; }
  bool has(const std::string& key) const;
  std::optional<std::string> get_string(const std::string& key) const;
  std::optional<int64_t> get_int(const std::string& key) const;
  std::optional<double> get_float(const std::string& key) const;

 private:
  std::shared_ptr<const YAML::Node> root_;
  std::string origin_;
};

// The recipe that wrote a checkpoint, told by its stored config: model.arch means ptk-wsl,
// model.preset ptk-bert.
enum class RecipeKind { kWsl, kBert };

const char* to_string(RecipeKind kind);

struct StoredCheckpoint {
  std::string step_dir;  // the step_<N> directory
  int64_t step = 0;
  RecipeKind recipe = RecipeKind::kWsl;
  StoredConfig config;
};

// `path` is a run directory (its newest complete checkpoint is used) or a step_<N> directory.
// Throws ptk::Error naming the path or key when it is no complete checkpoint or its stored
// config names neither recipe. The errors call `path` export.checkpoint, as ptk-export does.
StoredCheckpoint open_stored_checkpoint(const std::string& path);

}  // namespace ptk::config
