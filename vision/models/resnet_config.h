// The shape of a ResNet / ResNeXt as torchvision defines it, plus the named presets and the
// closed-form parameter and multiply-add counts. Torch-free, so configs can be parsed, checked
// and sized (even a 828M-parameter 32x48d) without building a model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::vision {

struct ResNetConfig {
  // Blocks per stage; torchvision's ResNets always have four stages (layer1..layer4).
  std::vector<int64_t> layers{3, 4, 6, 3};
  // Bottleneck (expansion 4, grouped 3x3) or basic block (two 3x3, expansion 1; groups must be
  // 1 and width_per_group 64, as in torchvision).
  bool bottleneck = true;
  // Cardinality and width of one group: a stage with `planes` has a grouped 3x3 conv of
  // width = floor(planes * width_per_group / 64) * groups channels. ResNeXt-101 32x8d: 32, 8.
  int64_t groups = 1;
  int64_t width_per_group = 64;
  // 0 means no head: forward() returns the pooled features (torchvision's fc = Identity()).
  int64_t num_classes = 1000;
  // Initialise the last BN of every residual branch to zero, so each block starts as identity.
  bool zero_init_residual = false;
  // Channels of the input image and of the 7x7 stem; planes of stage i are base_planes << i.
  // torchvision: 3, 64, 64. Smaller values only for tests and demos on tiny images.
  int64_t in_channels = 3;
  int64_t stem_width = 64;
  int64_t base_planes = 64;
};

// Preset names, in the order they are listed in errors and help texts.
const std::vector<std::string>& resnet_config_names();

// The preset `name`: resnet18, resnet34, resnet50, resnext50_32x4d, resnext101_32x{4,8,16,32,48}d,
// resnext101_64x4d (all torchvision-exact), and resnext_tiny (1 block per stage, cardinality 4,
// width_per_group 4, 16-wide stem and base planes: grouped widths 4/8/16/32, 512-d features,
// 0.73M parameters; for 28x28..64x64 test and demo images).
// Throws ptk::Error (usage) listing the valid names when `name` is unknown.
ResNetConfig resnet_config(const std::string& name);

// Throws ptk::Error (usage) naming the first invalid field and its value.
void validate(const ResNetConfig& config);

// Channels of stage `stage`'s output (0..3): planes * expansion. Throws ptk::Error otherwise.
int64_t stage_channels(const ResNetConfig& config, int stage);

// Width of the pooled features fed to the head (2048 for resnet50 and every ResNeXt preset).
int64_t feature_dim(const ResNetConfig& config);

// Number of trainable parameters of the model `config` describes (BN running statistics are
// buffers and not counted), computed from the architecture; equals count_parameters() of the
// built module and torchvision's sum(p.numel() for p in model.parameters()).
int64_t parameter_count(const ResNetConfig& config);

// Multiply-adds of one forward pass on a `height` x `width` image (convolutions and fc; BN,
// ReLU, pooling and additions are not counted, as in the published 4.09G for resnet50 at 224).
int64_t multiply_adds(const ResNetConfig& config, int64_t height, int64_t width);

}  // namespace ptk::vision
