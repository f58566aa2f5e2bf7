// Loads an exported ResNet/ResNeXt backbone (safetensors or torch.load-compatible .pt/.pth)
// and prints the pooled features of one image:
//   feature_extractor <arch> <weights> <image> [resize crop]
// e.g. feature_extractor resnext50_32x4d backbone.safetensors cat.jpg 256 224
#include <torch/torch.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/base/main_guard.h"
#include "common/io/safetensors.h"
#include "common/io/state_dict.h"
#include "vision/models/resnet.h"
#include "vision/transforms/augment.h"

namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

ptk::io::StateDict load_weights(const std::string& path) {
  return ends_with(path, ".safetensors") ? ptk::io::load_safetensors(path)
                                         : ptk::io::load_torch_state_dict(path);
}

std::vector<uint8_t> read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ptk::Error("cannot open image '" + path + "'");
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

int run(int argc, char** argv) {
  if (argc != 4 && argc != 6) {
    throw ptk::usage_error("usage: feature_extractor <arch> <weights> <image> [resize crop]");
  }
  ptk::io::StateDict weights = load_weights(argv[2]);
  ptk::vision::ResNetConfig config = ptk::vision::resnet_config(argv[1]);
  const at::Tensor* head = ptk::io::find_tensor(weights, "fc.weight");
  config.num_classes = head != nullptr ? head->size(0) : 0;
  ptk::vision::ResNet model(config);
  ptk::io::load_module_state_dict(*model, weights, /*strict=*/true);
  model->eval();

  ptk::vision::EvalTransform transform;
  if (argc == 6) {
    transform.resize_size = std::stoi(argv[4]);
    transform.crop_size = std::stoi(argv[5]);
  }
  std::vector<uint8_t> bytes = read_bytes(argv[3]);
  std::vector<float> pixels = transform(bytes.data(), bytes.size(), argv[3]);
  at::Tensor image =
      torch::from_blob(pixels.data(), {1, 3, transform.crop_size, transform.crop_size}).clone();
  torch::NoGradGuard no_grad;
  at::Tensor features = model->features(image)[0].contiguous();
  std::printf("features %lld:", static_cast<long long>(features.size(0)));
  const float* values = features.data_ptr<float>();
  for (int64_t i = 0; i < features.size(0); ++i) std::printf(" %.6g", values[i]);
  std::printf("\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ptk::run_main("feature_extractor", [&] { return run(argc, argv); });
}
