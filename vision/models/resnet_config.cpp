#include "vision/models/resnet_config.h"

#include <string>

#include "common/base/error.h"
#include "common/base/named_presets.h"

namespace ptk::vision {
namespace {

constexpr int64_t kBottleneckExpansion = 4;
constexpr int kStages = 4;

ResNetConfig basic(std::vector<int64_t> layers) {
  ResNetConfig c;
  c.layers = std::move(layers);
  c.bottleneck = false;
  return c;
}

ResNetConfig bottleneck(std::vector<int64_t> layers, int64_t groups, int64_t width_per_group) {
  ResNetConfig c;
  c.layers = std::move(layers);
  c.groups = groups;
  c.width_per_group = width_per_group;
  return c;
}

ResNetConfig tiny() {
  ResNetConfig c = bottleneck({1, 1, 1, 1}, 4, 4);
  c.stem_width = 16;
  c.base_planes = 16;
  return c;
}

// The layer tables of torchvision.models.resnet (and the WSL hub's ig_resnext101_32x*d).
const NamedPresets<ResNetConfig>& presets() {
  static const NamedPresets<ResNetConfig> table = {
      {"resnet18", basic({2, 2, 2, 2})},
      {"resnet34", basic({3, 4, 6, 3})},
      {"resnet50", bottleneck({3, 4, 6, 3}, 1, 64)},
      {"resnext50_32x4d", bottleneck({3, 4, 6, 3}, 32, 4)},
      {"resnext101_32x4d", bottleneck({3, 4, 23, 3}, 32, 4)},
      {"resnext101_32x8d", bottleneck({3, 4, 23, 3}, 32, 8)},
      {"resnext101_32x16d", bottleneck({3, 4, 23, 3}, 32, 16)},
      {"resnext101_32x32d", bottleneck({3, 4, 23, 3}, 32, 32)},
      {"resnext101_32x48d", bottleneck({3, 4, 23, 3}, 32, 48)},
      {"resnext101_64x4d", bottleneck({3, 4, 23, 3}, 64, 4)},
      {"resnext_tiny", tiny()},
  };
  return table;
}

int64_t stage_planes(const ResNetConfig& c, int stage) { return c.base_planes << stage; }

// torchvision: int(planes * (base_width / 64.0)) * groups.
int64_t group_width(const ResNetConfig& c, int stage) {
  return stage_planes(c, stage) * c.width_per_group / 64 * c.groups;
}

void require_positive(const char* field, int64_t value) {
  if (value < 1) {
    throw usage_error("resnet config: {} must be >= 1 (got {})", field, value);
  }
}

// Output side of a convolution or pooling window.
int64_t window_out(int64_t in, int64_t kernel, int64_t stride, int64_t padding) {
  return (in + 2 * padding - kernel) / stride + 1;
}

}  // namespace

const std::vector<std::string>& resnet_config_names() {
  static const std::vector<std::string> names = preset_names(presets());
  return names;
}

ResNetConfig resnet_config(const std::string& name) {
  return find_preset(presets(), name, "ResNet model");
}

void validate(const ResNetConfig& c) {
  if (c.layers.size() != kStages) {
    throw usage_error("resnet config: layers must list 4 stages (got {})", c.layers.size());
  }
  for (int64_t blocks : c.layers) require_positive("every entry of layers", blocks);
  require_positive("groups", c.groups);
  require_positive("width_per_group", c.width_per_group);
  require_positive("in_channels", c.in_channels);
  require_positive("stem_width", c.stem_width);
  require_positive("base_planes", c.base_planes);
  if (c.num_classes < 0) {
    throw usage_error("resnet config: num_classes must be >= 0, 0 meaning no head (got {})",
                      c.num_classes);
  }
  // Keeps every size formula far from int64 overflow; real models use 64.
  if (c.base_planes > 65536) {
    throw usage_error("resnet config: base_planes must be <= 65536 (got {})", c.base_planes);
  }
  if (!c.bottleneck && (c.groups != 1 || c.width_per_group != 64)) {
    throw usage_error(
        "resnet config: basic blocks need groups 1 and width_per_group 64 (got {}, {}); use "
        "bottleneck blocks for ResNeXt",
        c.groups, c.width_per_group);
  }
  if (c.bottleneck && group_width(c, 0) < 1) {
    throw usage_error(
        "resnet config: base_planes {} * width_per_group {} / 64 rounds to 0 channels per group in "
        "layer1",
        c.base_planes, c.width_per_group);
  }
}

int64_t stage_channels(const ResNetConfig& c, int stage) {
  if (stage < 0 || stage >= kStages) {
    throw usage_error("resnet config: stage {} is not in 0..3", stage);
  }
  return stage_planes(c, stage) * (c.bottleneck ? kBottleneckExpansion : 1);
}

int64_t feature_dim(const ResNetConfig& c) { return stage_channels(c, kStages - 1); }

int64_t parameter_count(const ResNetConfig& c) {
  validate(c);
  const auto bn = [](int64_t channels) { return 2 * channels; };  // weight + bias
  int64_t total = c.in_channels * c.stem_width * 7 * 7 + bn(c.stem_width);
  int64_t inplanes = c.stem_width;
  for (int stage = 0; stage < kStages; ++stage) {
    const int64_t planes = stage_planes(c, stage);
    const int64_t out = stage_channels(c, stage);
    for (int64_t block = 0; block < c.layers[stage]; ++block) {
      if (c.bottleneck) {
        const int64_t width = group_width(c, stage);
        total += inplanes * width + bn(width);
        total += width * (width / c.groups) * 9 + bn(width);
        total += width * out + bn(out);
      } else {
        total += inplanes * planes * 9 + bn(planes);
        total += planes * planes * 9 + bn(planes);
      }
      const bool strided = block == 0 && stage > 0;
      if (block == 0 && (strided || inplanes != out)) total += inplanes * out + bn(out);
      inplanes = out;
    }
  }
  if (c.num_classes > 0) total += feature_dim(c) * c.num_classes + c.num_classes;
  return total;
}

int64_t multiply_adds(const ResNetConfig& c, int64_t height, int64_t width) {
  validate(c);
  require_positive("image height", height);
  require_positive("image width", width);
  int64_t h = window_out(height, 7, 2, 3), w = window_out(width, 7, 2, 3);
  int64_t total = h * w * c.stem_width * c.in_channels * 7 * 7;
  h = window_out(h, 3, 2, 1);
  w = window_out(w, 3, 2, 1);
  int64_t inplanes = c.stem_width;
  for (int stage = 0; stage < kStages; ++stage) {
    const int64_t planes = stage_planes(c, stage);
    const int64_t out = stage_channels(c, stage);
    for (int64_t block = 0; block < c.layers[stage]; ++block) {
      const int64_t stride = block == 0 && stage > 0 ? 2 : 1;
      const int64_t oh = window_out(h, 3, stride, 1), ow = window_out(w, 3, stride, 1);
      if (c.bottleneck) {
        const int64_t gw = group_width(c, stage);
        total += h * w * inplanes * gw;               // 1x1 reduce, before the stride
        total += oh * ow * gw * (gw / c.groups) * 9;  // grouped 3x3, strided
        total += oh * ow * gw * out;                  // 1x1 expand
      } else {
        total += oh * ow * inplanes * planes * 9 + oh * ow * planes * planes * 9;
      }
      if (block == 0 && (stride != 1 || inplanes != out)) total += oh * ow * inplanes * out;
      h = oh;
      w = ow;
      inplanes = out;
    }
  }
  if (c.num_classes > 0) total += feature_dim(c) * c.num_classes;
  return total;
}

}  // namespace ptk::vision
