#include "vision/models/resnet.h"

#include <ATen/ATen.h>
#include <torch/nn/init.h>

#include <sstream>
#include <string>

#include "common/base/error.h"

namespace ptk::vision {
namespace {

namespace nn = torch::nn;

nn::Conv2d conv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1, int64_t groups = 1) {
  return nn::Conv2d(nn::Conv2dOptions(in, out, kernel)
                        .stride(stride)
                        .padding(kernel / 2)
                        .groups(groups)
                        .bias(false));
}

// 1x1 conv + BN matching the block's output, or an empty holder when the shortcut is identity.
nn::Sequential make_downsample(int64_t inplanes, int64_t out, int64_t stride) {
  if (stride == 1 && inplanes == out) return nullptr;
  return nn::Sequential(conv(inplanes, out, 1, stride), nn::BatchNorm2d(out));
}

std::string shape_string(const at::Tensor& x) {
  std::ostringstream out;
  out << x.sizes();
  return out.str();
}

}  // namespace

BottleneckImpl::BottleneckImpl(int64_t inplanes, int64_t planes, int64_t stride, int64_t groups,
                               int64_t width_per_group) {
  const int64_t width = planes * width_per_group / 64 * groups;
  const int64_t out = planes * 4;
  conv1_ = register_module("conv1", conv(inplanes, width, 1));
  bn1_ = register_module("bn1", nn::BatchNorm2d(width));
  conv2_ = register_module("conv2", conv(width, width, 3, stride, groups));
  bn2_ = register_module("bn2", nn::BatchNorm2d(width));
  conv3_ = register_module("conv3", conv(width, out, 1));
  bn3_ = register_module("bn3", nn::BatchNorm2d(out));
  relu_ = register_module("relu", nn::ReLU(nn::ReLUOptions(true)));
  downsample_ = make_downsample(inplanes, out, stride);
  if (downsample_) register_module("downsample", downsample_);
}

at::Tensor BottleneckImpl::forward(const at::Tensor& x) {
  at::Tensor out = relu_(bn1_(conv1_(x)));
  out = relu_(bn2_(conv2_(out)));
  out = bn3_(conv3_(out));
  out += downsample_ ? downsample_->forward(x) : x;
  return relu_(out);
}

BasicBlockImpl::BasicBlockImpl(int64_t inplanes, int64_t planes, int64_t stride) {
  conv1_ = register_module("conv1", conv(inplanes, planes, 3, stride));
  bn1_ = register_module("bn1", nn::BatchNorm2d(planes));
  relu_ = register_module("relu", nn::ReLU(nn::ReLUOptions(true)));
  conv2_ = register_module("conv2", conv(planes, planes, 3));
  bn2_ = register_module("bn2", nn::BatchNorm2d(planes));
  downsample_ = make_downsample(inplanes, planes, stride);
  if (downsample_) register_module("downsample", downsample_);
}

at::Tensor BasicBlockImpl::forward(const at::Tensor& x) {
  at::Tensor out = relu_(bn1_(conv1_(x)));
  out = bn2_(conv2_(out));
  out += downsample_ ? downsample_->forward(x) : x;
  return relu_(out);
}

ResNetImpl::ResNetImpl(const ResNetConfig& config) : config_(config) {
  validate(config_);
  conv1_ = register_module("conv1",
                           nn::Conv2d(nn::Conv2dOptions(config_.in_channels, config_.stem_width, 7)
                                          .stride(2)
                                          .padding(3)
                                          .bias(false)));
  bn1_ = register_module("bn1", nn::BatchNorm2d(config_.stem_width));
  relu_ = register_module("relu", nn::ReLU(nn::ReLUOptions(true)));
  maxpool_ =
      register_module("maxpool", nn::MaxPool2d(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  int64_t inplanes = config_.stem_width;
  layer1_ = register_module("layer1", make_stage(0, inplanes));
  layer2_ = register_module("layer2", make_stage(1, inplanes));
  layer3_ = register_module("layer3", make_stage(2, inplanes));
  layer4_ = register_module("layer4", make_stage(3, inplanes));
  avgpool_ = register_module("avgpool", nn::AdaptiveAvgPool2d(nn::AdaptiveAvgPool2dOptions(1)));
  if (config_.num_classes > 0) {
    fc_ = register_module("fc", nn::Linear(feature_dim(), config_.num_classes));
  } else {
    register_module("fc", nn::Identity());
  }
  initialize();
}

nn::Sequential ResNetImpl::make_stage(int stage, int64_t& inplanes) {
  const int64_t planes = config_.base_planes << stage;
  nn::Sequential blocks;
  for (int64_t i = 0; i < config_.layers[stage]; ++i) {
    const int64_t stride = (i == 0 && stage > 0) ? 2 : 1;
    if (config_.bottleneck) {
      blocks->push_back(
          Bottleneck(inplanes, planes, stride, config_.groups, config_.width_per_group));
    } else {
      blocks->push_back(BasicBlock(inplanes, planes, stride));
    }
    inplanes = stage_channels(config_, stage);
  }
  return blocks;
}

// torchvision's ResNet.__init__ loop; fc keeps nn.Linear's own initialisation.
void ResNetImpl::initialize() {
  for (const auto& module : modules(/*include_self=*/false)) {
    if (auto* c = module->as<nn::Conv2d>()) {
      nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    } else if (auto* bn = module->as<nn::BatchNorm2d>()) {
      nn::init::constant_(bn->weight, 1.0);
      nn::init::constant_(bn->bias, 0.0);
    }
  }
  if (!config_.zero_init_residual) return;
  for (const auto& module : modules(/*include_self=*/false)) {
    if (auto* block = module->as<Bottleneck>()) {
      nn::init::constant_(block->last_bn()->weight, 0.0);
    } else if (auto* block = module->as<BasicBlock>()) {
      nn::init::constant_(block->last_bn()->weight, 0.0);
    }
  }
}

at::Tensor ResNetImpl::features(const at::Tensor& x) {
  if (x.dim() != 4 || x.size(1) != config_.in_channels || x.size(2) < 1 || x.size(3) < 1) {
    throw error("ResNet input must be images [N, {}, H, W]; got a tensor of shape {}",
                config_.in_channels, shape_string(x));
  }
  at::Tensor out = maxpool_(relu_(bn1_(conv1_(x))));
  out = layer4_->forward(layer3_->forward(layer2_->forward(layer1_->forward(out))));
  return at::flatten(avgpool_(out), 1);
}

at::Tensor ResNetImpl::forward(const at::Tensor& x) {
  at::Tensor f = features(x);
  return fc_ ? fc_(f) : f;
}

void ResNetImpl::replace_head(int64_t num_classes) {
  if (num_classes < 0) {
    throw usage_error("ResNet::replace_head: num_classes must be >= 0, 0 meaning no head (got {})",
                      num_classes);
  }
  if (num_classes == 0) {
    replace_module("fc", nn::Identity());
    fc_ = nullptr;
  } else {
    nn::Linear head(feature_dim(), num_classes);
    head->to(conv1_->weight.device(), conv1_->weight.scalar_type());
    fc_ = replace_module("fc", head);
  }
  config_.num_classes = num_classes;
}

int64_t ResNetImpl::feature_dim() const { return ptk::vision::feature_dim(config_); }

int64_t count_parameters(const torch::nn::Module& module) {
  int64_t total = 0;
  for (const at::Tensor& p : module.parameters(/*recurse=*/true)) total += p.numel();
  return total;
}

void convert_to_channels_last(torch::nn::Module& module) {
  at::NoGradGuard no_grad;
  for (at::Tensor& parameter : module.parameters(/*recurse=*/true)) {
    if (parameter.dim() == 4)
      parameter.set_data(parameter.contiguous(at::MemoryFormat::ChannelsLast));
  }
  for (at::Tensor& buffer : module.buffers(/*recurse=*/true)) {
    if (buffer.dim() == 4) buffer.set_data(buffer.contiguous(at::MemoryFormat::ChannelsLast));
  }
}

}  // namespace ptk::vision
