#include "common/train/weight_import.h"

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "common/base/error.h"
#include "common/io/safetensors.h"

namespace ptk::train {

namespace {

namespace fs = std::filesystem;

bool excluded(const std::string& key, const std::vector<std::string>& exclude) {
  for (const std::string& prefix : exclude) {
    if (!prefix.empty() && key.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::string shape_text(const at::Tensor& tensor) {
  std::ostringstream out;
  out << tensor.sizes();
  return out.str();
}

// "what (n): a, b, c, ... and k more" for one kind of difference.
void list_keys(std::ostringstream& out, const char* what, const std::vector<std::string>& keys) {
  if (keys.empty()) return;
  constexpr size_t kShown = 12;
  out << "\n  " << what << " (" << keys.size() << "): ";
  for (size_t i = 0; i < keys.size() && i < kShown; ++i) out << (i ? ", " : "") << keys[i];
  if (keys.size() > kShown) out << ", ... and " << keys.size() - kShown << " more";
}

}  // namespace

io::StateDict read_weight_file(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    for (const char* name : {"model.safetensors", "pytorch_model.bin"}) {
      const fs::path file = fs::path(path) / name;
      if (fs::is_regular_file(file, ec)) return read_weight_file(file.string());
    }
    throw usage_error(
        "init.from: folder '{}' holds neither model.safetensors nor pytorch_model.bin", path);
  }
  if (!fs::is_regular_file(path, ec)) {
    throw usage_error("init.from: '{}' does not exist", path);
  }
  const std::string extension = fs::path(path).extension().string();
  if (extension == ".safetensors") return io::load_safetensors(path);
  if (extension == ".pth" || extension == ".pt" || extension == ".bin") {
    return io::load_torch_state_dict(path);
  }
  throw usage_error(
      "init.from: '{}' is not a .safetensors, .pth, .pt or .bin file or an HF model folder", path);
}

ImportSummary import_weights(torch::nn::Module& module, const io::StateDict& state,
                             const std::vector<std::string>& exclude, const std::string& origin) {
  ImportSummary summary;
  std::map<std::string, const at::Tensor*> file;
  for (const auto& [name, tensor] : state) {
    if (excluded(name, exclude)) {
      summary.ignored.push_back(name);
    } else {
      file.emplace(name, &tensor);
    }
  }
  std::vector<std::string> missing, shape_mismatches;
  io::StateDict selected;
  for (const auto& [name, tensor] : io::module_state_dict(module)) {
    if (excluded(name, exclude)) {
      summary.kept_initial.push_back(name);
      continue;
    }
    const auto found = file.find(name);
    if (found == file.end()) {
      missing.push_back(name);
      continue;
    }
    if (found->second->sizes() != tensor.sizes()) {
      shape_mismatches.push_back(name + " file " + shape_text(*found->second) + " model " +
                                 shape_text(tensor));
    } else {
      selected.emplace_back(name, *found->second);
    }
    file.erase(found);
  }
  std::vector<std::string> unexpected;
  for (const auto& entry : file) unexpected.push_back(entry.first);
  if (!missing.empty() || !unexpected.empty() || !shape_mismatches.empty()) {
    std::ostringstream out;
    out << "init.from: " << origin << " does not fit the model:";
    list_keys(out, "in the model, not in the file", missing);
    list_keys(out, "in the file, not in the model", unexpected);
    list_keys(out, "different shapes", shape_mismatches);
    out << "\n  (init.exclude=[prefix, ...] keeps the model's own values for keys with those "
           "prefixes, e.g. a new head: init.exclude=[fc.])";
    throw error(out.str());
  }
  io::load_module_state_dict(module, selected, /*strict=*/false);
  summary.loaded = selected.size();
  return summary;
}

}  // namespace ptk::train
