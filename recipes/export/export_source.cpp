#include "recipes/export/export_source.h"

#include <filesystem>

#include "common/base/error.h"

namespace ptk::recipes {

namespace fs = std::filesystem;

ExportSource open_export_source(const std::string& path, const std::string& tokenizer) {
  const config::StoredCheckpoint checkpoint = config::open_stored_checkpoint(path);
  ExportSource source;
  source.checkpoint_dir = checkpoint.step_dir;
  source.step = checkpoint.step;
  source.kind = checkpoint.recipe;
  if (source.kind == config::RecipeKind::kWsl) {
    source.arch = *checkpoint.config.get_string("model.arch");
    source.image_size = checkpoint.config.get_int("data.image_size").value_or(224);
    source.eval_resize = checkpoint.config.get_int("data.eval_resize").value_or(0);
  } else {
    source.bert = text::stored_bert_source(checkpoint.config, tokenizer);
  }
  return source;
}

ExportSource open_weights_source(const std::string& path, const std::string& arch,
                                 const std::string& tokenizer) {
  if (!fs::exists(path)) throw usage_error("init.from: '{}' does not exist", path);
  ExportSource source;
  source.checkpoint_dir = path;
  source.weights_path = path;
  if (fs::is_directory(path)) {
    if (!fs::exists(fs::path(path) / "config.json")) {
      throw usage_error(
          "init.from: '{}' is a folder without config.json (an HF BERT folder has one); a ResNet "
          "comes as a .pth / .pt / .safetensors file",
          path);
    }
    source.kind = config::RecipeKind::kBert;
    source.bert = text::hf_folder_source(path, tokenizer);
    return source;
  }
  if (arch.empty()) {
    throw usage_error(
        "init.from: '{}' is a weights file; export.arch names its architecture (a preset such as "
        "resnet50 or resnext101_32x8d)",
        path);
  }
  source.kind = config::RecipeKind::kWsl;
  source.arch = arch;
  return source;
}

}  // namespace ptk::recipes
