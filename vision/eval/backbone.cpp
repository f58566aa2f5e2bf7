#include "vision/eval/backbone.h"

#include <ATen/ATen.h>
#include <fmt/format.h>
#include <xxhash.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include "common/base/error.h"
#include "common/io/safetensors.h"
#include "common/io/state_dict.h"
#include "common/train/checkpoint.h"
#include "vision/models/resnet.h"
#include "vision/models/resnet_config.h"

namespace ptk::vision {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// xxh64 of a file's bytes, as 16 hex digits: the weights' identity independent of their path.
std::string file_hash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  fail_if(!in, "{}: cannot open the weight file", path);
  XXH64_state_t* state = XXH64_createState();
  XXH64_reset(state, 0);
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    XXH64_update(state, buffer.data(), static_cast<size_t>(in.gcount()));
  }
  const unsigned long long hash = XXH64_digest(state);
  XXH64_freeState(state);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", hash);
  return hex;
}

// model.arch of a checkpoint's resolved config, or "".
std::string arch_of_config(const std::string& config_yaml, const std::string& origin) {
  if (config_yaml.empty()) return "";
  try {
    const YAML::Node root = YAML::Load(config_yaml);
    if (root["model"] && root["model"]["arch"]) return root["model"]["arch"].as<std::string>();
  } catch (const YAML::Exception& e) {
    throw error("{}: unreadable config in state.yaml: {}", origin, e.what());
  }
  return "";
}

io::StateDict read_weights(const std::string& file) {
  if (ends_with(file, ".safetensors")) return io::load_safetensors(file);
  return io::load_torch_state_dict(file);
}

}  // namespace

at::Tensor Backbone::features(const at::Tensor& images) const {
  at::NoGradGuard no_grad;
  if (!model) return images.flatten(1).contiguous();
  model->eval();
  return model->features(images);
}

std::string resolve_checkpoint_weights(const std::string& path, std::string* config_yaml,
                                       const std::string& section) {
  config_yaml->clear();
  std::error_code error;
  if (fs::is_regular_file(path, error)) {
    if (!ends_with(path, ".pt") && !ends_with(path, ".pth") && !ends_with(path, ".safetensors")) {
      throw usage_error(
          "{}.checkpoint: '{}' is a file but not a .pt / .pth / .safetensors state dict", section,
          path);
    }
    return path;
  }
  if (!fs::is_directory(path, error)) {
    throw usage_error("{}.checkpoint: '{}' does not exist", section, path);
  }
  std::string dir = path;
  if (!fs::exists(fs::path(path) / train::kModelFile)) {
    const auto found = train::find_resumable_checkpoint(path);
    if (!found) {
      throw usage_error(
          "{}.checkpoint: '{}' holds no model.pt and no complete checkpoint under checkpoints/",
          section, path);
    }
    dir = *found;
  }
  const fs::path state = fs::path(dir) / train::kStateFile;
  if (fs::exists(state)) *config_yaml = train::read_checkpoint_state(dir).config_yaml;
  return (fs::path(dir) / train::kModelFile).string();
}

Backbone load_backbone(const ImageNetEvalOptions& options, const std::string& section) {
  Backbone backbone;
  backbone.init = options.init;
  if (options.init == BackboneInit::kPixels) {
    backbone.identity = "pixels";
    backbone.in_channels = options.channels;
    return backbone;
  }
  std::string config_yaml;
  if (!options.checkpoint.empty()) {
    backbone.weights_file = resolve_checkpoint_weights(options.checkpoint, &config_yaml, section);
  }
  backbone.arch =
      options.arch.empty() ? arch_of_config(config_yaml, backbone.weights_file) : options.arch;
  if (backbone.arch.empty()) {
    throw usage_error(
        "{}.arch is required: {}", section,
        backbone.weights_file.empty()
            ? std::string("no checkpoint given")
            : fmt::format("{} comes without a config naming model.arch", backbone.weights_file));
  }
  ResNetConfig config = resnet_config(backbone.arch);
  config.num_classes = 0;
  backbone.in_channels = config.in_channels;
  if (config.in_channels != options.channels) {
    throw usage_error("{}.channels is {} but {} takes {}-channel images", section, options.channels,
                      backbone.arch, config.in_channels);
  }
  // Seeded before construction, so the random baseline is the same network on every run.
  at::manual_seed(options.seed);
  backbone.model = std::make_shared<ResNetImpl>(config);

  if (options.init == BackboneInit::kRandom) {
    backbone.weights_file.clear();
    backbone.identity = fmt::format("random arch={} seed={}", backbone.arch, options.seed);
    return backbone;
  }
  io::StateDict state = read_weights(backbone.weights_file);
  io::StateDict without_head;
  for (auto& [name, tensor] : state) {
    if (name.rfind("fc.", 0) != 0) without_head.emplace_back(name, tensor);
  }
  try {
    io::load_module_state_dict(*backbone.model, without_head, /*strict=*/true);
  } catch (const Error& e) {
    throw error("{}: weights do not fit {}: {}", backbone.weights_file, backbone.arch, e.what());
  }
  backbone.identity =
      "checkpoint arch=" + backbone.arch + " weights_xxh64=" + file_hash(backbone.weights_file);
  return backbone;
}

c10::Device backbone_device(const std::string& key, const std::string& device) {
  c10::Device parsed(c10::kCPU);
  try {
    parsed = c10::Device(device);
  } catch (const std::exception&) {
    throw usage_error("{}: '{}' is not a device (cpu | cuda | cuda:N)", key, device);
  }
  if (parsed.is_cuda() && !at::hasCUDA()) {
    throw usage_error("{} is {} but this LibTorch has no usable CUDA", key, device);
  }
  return parsed;
}

}  // namespace ptk::vision
