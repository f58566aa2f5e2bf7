// ResNet / ResNeXt as LibTorch modules with torchvision's exact module tree, state-dict keys
// and order, parameter counts and initialisation, so weights move both ways with
// torchvision.models.resnet* (and the WSL ig_resnext101_32x*d releases) under strict loading.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/pooling.h>
#include <torch/nn/pimpl.h>

#include <cstdint>

#include "vision/models/resnet_config.h"

namespace ptk::vision {

// torchvision's Bottleneck ("v1.5": the stride sits on the grouped 3x3). Children in
// registration order: conv1, bn1, conv2, bn2, conv3, bn3, relu, downsample (1x1 conv + BN, only
// when the block changes resolution or width).
class BottleneckImpl : public torch::nn::Module {
 public:
  BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, int64_t groups,
                 int64_t width_per_group);
  at::Tensor forward(const at::Tensor& x);

  // The BN closing the residual branch: the one zero_init_residual zeroes.
  torch::nn::BatchNorm2d& last_bn() { return bn3_; }

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr}, conv3_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr}, bn3_{nullptr};
  torch::nn::ReLU relu_{nullptr};
  torch::nn::Sequential downsample_{nullptr};
};
TORCH_MODULE(Bottleneck);

// torchvision's BasicBlock (resnet18/34): conv1, bn1, relu, conv2, bn2, downsample.
class BasicBlockImpl : public torch::nn::Module {
 public:
  BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride);
  at::Tensor forward(const at::Tensor& x);

  torch::nn::BatchNorm2d& last_bn() { return bn2_; }

 private:
  torch::nn::Conv2d conv1_{nullptr}, conv2_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr}, bn2_{nullptr};
  torch::nn::ReLU relu_{nullptr};
  torch::nn::Sequential downsample_{nullptr};
};
TORCH_MODULE(BasicBlock);

// Children: conv1, bn1, relu, maxpool, layer1..layer4 (Sequentials of blocks named 0, 1, ...),
// avgpool, fc. With no head, "fc" is an Identity (as torchvision's `model.fc = nn.Identity()`)
// and the state dict has no fc keys. Construction validates the config (ptk::Error on bad ones).
class ResNetImpl : public torch::nn::Module {
 public:
  explicit ResNetImpl(const ResNetConfig& config);

  // Images [N, in_channels, H, W] (H, W >= 1; any size, the pooling is adaptive) -> logits
  // [N, num_classes], or the features when there is no head. Throws ptk::Error on other shapes.
  at::Tensor forward(const at::Tensor& x);
  // Pooled features before the head: [N, feature_dim()].
  at::Tensor features(const at::Tensor& x);

  // A freshly initialised fc with `num_classes` outputs on the model's device and dtype
  // (torch.nn.Linear's default init); 0 removes the head. Throws ptk::Error when negative.
  void replace_head(int64_t num_classes);

  int64_t feature_dim() const;
  int64_t num_classes() const { return config_.num_classes; }
  const ResNetConfig& config() const { return config_; }
  // The head; an empty holder when there is none.
  torch::nn::Linear fc() const { return fc_; }

 private:
  torch::nn::Sequential make_stage(int stage, int64_t& inplanes);
  void initialize();

  ResNetConfig config_;
  torch::nn::Conv2d conv1_{nullptr};
  torch::nn::BatchNorm2d bn1_{nullptr};
  torch::nn::ReLU relu_{nullptr};
  torch::nn::MaxPool2d maxpool_{nullptr};
  torch::nn::Sequential layer1_{nullptr}, layer2_{nullptr}, layer3_{nullptr}, layer4_{nullptr};
  torch::nn::AdaptiveAvgPool2d avgpool_{nullptr};
  torch::nn::Linear fc_{nullptr};
};
TORCH_MODULE(ResNet);

// Total elements of all parameters of `module` and its descendants (buffers not counted):
// Python's sum(p.numel() for p in module.parameters()).
int64_t count_parameters(const torch::nn::Module& module);

// Stores every 4-D parameter and buffer of `module` (the convolution weights) in channels_last
// (NHWC) order, in place, as Python's `model.to(memory_format=torch.channels_last)`: on CUDA,
// cuDNN's tensor-core convolutions run on NHWC without transposing. Values, names and the
// state dict are unchanged; optimizers built before or after see the same tensors.
void convert_to_channels_last(torch::nn::Module& module);

}  // namespace ptk::vision
