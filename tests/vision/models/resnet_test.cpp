// The ResNet module: torchvision's module tree and state-dict keys, parameter counts equal to
// the architecture formula, torchvision's initialisation (incl. zero_init_residual), shapes of
// logits and features, replaceable heads, training, and errors on bad input.
#include "vision/models/resnet.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/base/error.h"
#include "common/io/state_dict.h"
#include "common/train/precision.h"
#include "tests/common/train/device_cases.h"

namespace ptk::vision {
namespace {

std::vector<std::string> state_keys(const torch::nn::Module& module) {
  std::vector<std::string> keys;
  for (const auto& [name, tensor] : io::module_state_dict(module)) keys.push_back(name);
  return keys;
}

bool has_key(const std::vector<std::string>& keys, const std::string& key) {
  return std::find(keys.begin(), keys.end(), key) != keys.end();
}

at::Tensor tensor_at(const torch::nn::Module& module, const std::string& key) {
  for (const auto& item : module.named_parameters()) {
    if (item.key() == key) return item.value();
  }
  for (const auto& item : module.named_buffers()) {
    if (item.key() == key) return item.value();
  }
  throw std::runtime_error("no tensor " + key);
}

TEST(ResNet, ParameterCountEqualsArchitectureFormula) {
  // The 32x16d / 32x48d presets are too large to allocate here; parameter_count() covers them
  // (resnet_config_test) and the python test checks it against torchvision.
  for (const char* name : {"resnext_tiny", "resnet18", "resnet34", "resnet50", "resnext50_32x4d",
                           "resnext101_32x8d", "resnext101_64x4d"}) {
    const ResNetConfig config = resnet_config(name);
    EXPECT_EQ(count_parameters(*ResNet(config)), parameter_count(config)) << name;
  }
  ResNetConfig custom = resnet_config("resnext_tiny");
  custom.layers = {2, 1, 3, 1};
  custom.in_channels = 1;
  custom.num_classes = 7;
  custom.stem_width = 8;
  EXPECT_EQ(count_parameters(*ResNet(custom)), parameter_count(custom));
}

TEST(ResNet, StateDictKeysFollowTorchvisionOrder) {
  ResNetConfig config = resnet_config("resnext_tiny");
  config.layers = {2, 1, 1, 1};
  const std::vector<std::string> keys = state_keys(*ResNet(config));
  const std::vector<std::string> bn = {"weight", "bias", "running_mean", "running_var",
                                       "num_batches_tracked"};
  std::vector<std::string> expected = {"conv1.weight"};
  for (const auto& b : bn) expected.push_back("bn1." + b);
  for (int layer = 1; layer <= 4; ++layer) {
    const int blocks = layer == 1 ? 2 : 1;
    for (int i = 0; i < blocks; ++i) {
      const std::string prefix = "layer" + std::to_string(layer) + "." + std::to_string(i) + ".";
      for (int k = 1; k <= 3; ++k) {
        expected.push_back(prefix + "conv" + std::to_string(k) + ".weight");
        for (const auto& b : bn) expected.push_back(prefix + "bn" + std::to_string(k) + "." + b);
      }
      if (i == 0) {
        expected.push_back(prefix + "downsample.0.weight");
        for (const auto& b : bn) expected.push_back(prefix + "downsample.1." + b);
      }
    }
  }
  expected.push_back("fc.weight");
  expected.push_back("fc.bias");
  EXPECT_EQ(keys, expected);
}

TEST(ResNet, ModuleTreeHasTorchvisionNames) {
  ResNet model(resnet_config("resnext_tiny"));
  std::vector<std::string> children;
  for (const auto& item : model->named_children()) children.push_back(item.key());
  EXPECT_EQ(children, (std::vector<std::string>{"conv1", "bn1", "relu", "maxpool", "layer1",
                                                "layer2", "layer3", "layer4", "avgpool", "fc"}));
  std::vector<std::string> block;
  for (const auto& item : model->named_modules()) {
    if (item.key().rfind("layer2.0.", 0) == 0 && item.key().find('.', 9) == std::string::npos) {
      block.push_back(item.key().substr(9));
    }
  }
  EXPECT_EQ(block, (std::vector<std::string>{"conv1", "bn1", "conv2", "bn2", "conv3", "bn3", "relu",
                                             "downsample"}));
  // resnet18: basic blocks, no conv3, downsample only where the width changes.
  const std::vector<std::string> basic = state_keys(*ResNet(resnet_config("resnet18")));
  EXPECT_TRUE(has_key(basic, "layer1.1.conv2.weight"));
  EXPECT_FALSE(has_key(basic, "layer1.0.conv3.weight"));
  EXPECT_FALSE(has_key(basic, "layer1.0.downsample.0.weight"));
  EXPECT_TRUE(has_key(basic, "layer2.0.downsample.1.num_batches_tracked"));
}

TEST(ResNet, StrideSitsOnTheGroupedThreeByThree) {
  ResNet model(resnet_config("resnext50_32x4d"));
  for (const auto& item : model->named_modules()) {
    const auto* conv = item.value()->as<torch::nn::Conv2d>();
    if (!conv) continue;
    const std::string& name = item.key();
    const auto& o = conv->options;
    const bool first_block = name.find(".0.") != std::string::npos;
    const bool strided_stage = name.rfind("layer1.", 0) != 0 && name != "conv1";
    int64_t want_stride = 1;
    if (name == "conv1") want_stride = 2;
    if (first_block && strided_stage &&
        (name.find("conv2") != std::string::npos || name.find("downsample") != std::string::npos)) {
      want_stride = 2;
    }
    EXPECT_EQ(o.stride()->at(0), want_stride) << name;
    EXPECT_FALSE(o.bias()) << name;
    if (name.find(".conv2") != std::string::npos) EXPECT_EQ(o.groups(), 32) << name;
  }
  // width = planes * 4 / 64 * 32: 128 in layer1, 1024 in layer4.
  EXPECT_EQ(tensor_at(*model, "layer1.0.conv2.weight").sizes(), at::IntArrayRef({128, 4, 3, 3}));
  EXPECT_EQ(tensor_at(*model, "layer4.2.conv2.weight").sizes(), at::IntArrayRef({1024, 32, 3, 3}));
  EXPECT_EQ(tensor_at(*model, "layer4.2.conv3.weight").sizes(),
            at::IntArrayRef({2048, 1024, 1, 1}));
}

TEST(ResNet, InitialisationFollowsTorchvision) {
  at::manual_seed(1);
  ResNet model(resnet_config("resnet50"));
  // kaiming_normal_(mode=fan_out, relu): std = sqrt(2 / (out_channels * k * k)).
  const at::Tensor& w = tensor_at(*model, "layer3.0.conv2.weight");  // 256 x 256 x 3 x 3
  EXPECT_NEAR(w.std().item<double>(), std::sqrt(2.0 / (256 * 9)),
              0.02 * std::sqrt(2.0 / (256 * 9)));
  EXPECT_NEAR(w.mean().item<double>(), 0.0, 1e-3);
  for (const auto& item : model->named_modules()) {
    if (const auto* bn = item.value()->as<torch::nn::BatchNorm2d>()) {
      EXPECT_TRUE(bn->weight.eq(1).all().item<bool>()) << item.key();
      EXPECT_TRUE(bn->bias.eq(0).all().item<bool>()) << item.key();
    }
  }
  // fc keeps nn.Linear's init: uniform in +-1/sqrt(fan_in).
  const double bound = 1.0 / std::sqrt(2048.0);
  EXPECT_LE(model->fc()->weight.abs().max().item<double>(), bound);
  EXPECT_GT(model->fc()->weight.abs().max().item<double>(), 0.9 * bound);
}

TEST(ResNet, ZeroInitResidualZeroesOnlyTheLastBnOfEachBlock) {
  for (const char* name : {"resnext_tiny", "resnet18"}) {
    ResNetConfig config = resnet_config(name);
    config.zero_init_residual = true;
    ResNet model(config);
    const std::string last = config.bottleneck ? ".bn3" : ".bn2";
    int zeroed = 0;
    for (const auto& item : model->named_modules()) {
      const auto* bn = item.value()->as<torch::nn::BatchNorm2d>();
      if (!bn) continue;
      const bool is_last =
          item.key().size() > last.size() &&
          item.key().compare(item.key().size() - last.size(), last.size(), last) == 0;
      EXPECT_EQ(bn->weight.eq(0).all().item<bool>(), is_last) << item.key();
      zeroed += is_last;
    }
    int64_t blocks = 0;
    for (int64_t n : config.layers) blocks += n;
    EXPECT_EQ(zeroed, blocks) << name;
  }
  // Off by default.
  ResNet plain(resnet_config("resnext_tiny"));
  EXPECT_TRUE(tensor_at(*plain, "layer1.0.bn3.weight").eq(1).all().item<bool>());
}

TEST(ResNet, ForwardGivesLogitsAndFeaturesForSmallImages) {
  ResNetConfig config = resnet_config("resnext_tiny");
  config.num_classes = 10;
  ResNet model(config);
  model->eval();
  for (int64_t side : {28, 32, 64}) {
    const at::Tensor x = at::randn({2, 3, side, side});
    const at::Tensor logits = model->forward(x);
    const at::Tensor features = model->features(x);
    EXPECT_EQ(logits.sizes(), at::IntArrayRef({2, 10})) << side;
    EXPECT_EQ(features.sizes(), at::IntArrayRef({2, model->feature_dim()})) << side;
    EXPECT_TRUE(at::allclose(logits, model->fc()->forward(features)));
    EXPECT_TRUE(logits.isfinite().all().item<bool>());
  }
  // Grey images with a one-channel stem.
  config.in_channels = 1;
  ResNet grey(config);
  EXPECT_EQ(grey->forward(at::randn({3, 1, 28, 28})).sizes(), at::IntArrayRef({3, 10}));
}

TEST(ResNet, ChannelsLastKeepsValuesKeysAndOutputs) {
  ResNetConfig config = resnet_config("resnext_tiny");
  config.num_classes = 10;
  ResNet model(config);
  model->eval();
  const at::Tensor x = at::randn({2, 3, 32, 32});
  const at::Tensor before = model->forward(x);
  std::vector<std::pair<std::string, at::Tensor>> weights;
  for (const auto& item : model->named_parameters()) {
    weights.emplace_back(item.key(), item.value().clone());
  }
  convert_to_channels_last(*model);
  const auto after = model->named_parameters();
  ASSERT_EQ(after.size(), weights.size());
  for (const auto& [name, value] : weights) {
    const at::Tensor& converted = after[name];
    EXPECT_TRUE(at::equal(converted, value)) << name;
    if (converted.dim() == 4) {
      EXPECT_TRUE(converted.is_contiguous(at::MemoryFormat::ChannelsLast)) << name;
    }
  }
  const at::Tensor nhwc = model->forward(x.contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_TRUE(at::allclose(nhwc, before, 1e-4, 1e-5));
}

TEST(ResNet, ReplaceHeadChangesClassesAndKeys) {
  ResNet model(resnet_config("resnext_tiny"));
  model->eval();
  const at::Tensor x = at::randn({2, 3, 32, 32});
  const at::Tensor features = model->features(x);

  model->replace_head(17);
  EXPECT_EQ(model->num_classes(), 17);
  EXPECT_EQ(model->forward(x).sizes(), at::IntArrayRef({2, 17}));
  std::vector<std::string> keys = state_keys(*model);
  EXPECT_EQ(keys.back(), "fc.bias");
  EXPECT_EQ(tensor_at(*model, "fc.weight").sizes(), at::IntArrayRef({17, 512}));
  EXPECT_EQ(count_parameters(*model), parameter_count(model->config()));

  model->replace_head(0);  // no head: forward returns the features, no fc keys
  EXPECT_FALSE(model->fc());
  EXPECT_TRUE(at::equal(model->forward(x), features));
  keys = state_keys(*model);
  EXPECT_FALSE(has_key(keys, "fc.weight"));
  EXPECT_EQ(keys.back(), "layer4.0.downsample.1.num_batches_tracked");
  EXPECT_EQ(count_parameters(*model), parameter_count(model->config()));

  // A model configured without a head has the same keys.
  ResNetConfig headless = resnet_config("resnext_tiny");
  headless.num_classes = 0;
  EXPECT_EQ(state_keys(*ResNet(headless)), keys);

  // The new head follows the model's dtype.
  model->to(at::kDouble);
  model->replace_head(3);
  EXPECT_EQ(model->fc()->weight.scalar_type(), at::kDouble);
  EXPECT_EQ(model->forward(x.to(at::kDouble)).sizes(), at::IntArrayRef({2, 3}));
  EXPECT_THROW(model->replace_head(-2), Error);
}

TEST(ResNet, TrainingStepReachesEveryParameterAndUpdatesBnStatistics) {
  ResNetConfig config = resnet_config("resnext_tiny");
  config.num_classes = 5;
  ResNet model(config);
  model->train();
  const at::Tensor loss = model->forward(at::randn({4, 3, 32, 32})).logsumexp(1).mean();
  loss.backward();
  for (const auto& item : model->named_parameters()) {
    ASSERT_TRUE(item.value().grad().defined()) << item.key();
  }
  EXPECT_EQ(tensor_at(*model, "bn1.num_batches_tracked").item<int64_t>(), 1);
  EXPECT_FALSE(tensor_at(*model, "layer2.0.bn2.running_mean").eq(0).all().item<bool>());
}

TEST(ResNet, WeightsRoundTripThroughStateDict) {
  ResNet a(resnet_config("resnext_tiny"));
  ResNet b(resnet_config("resnext_tiny"));
  a->train();
  a->forward(at::randn({2, 3, 32, 32}));  // move BN statistics away from their init
  io::load_module_state_dict(*b, io::module_state_dict(*a), /*strict=*/true);
  a->eval();
  b->eval();
  const at::Tensor x = at::randn({2, 3, 40, 40});
  EXPECT_TRUE(at::equal(a->forward(x), b->forward(x)));
  // A different architecture does not load.
  EXPECT_THROW(io::load_module_state_dict(*ResNet(resnet_config("resnet18")),
                                          io::module_state_dict(*a), true),
               Error);
}

TEST(ResNet, BadInputShapesAreErrors) {
  ResNet model(resnet_config("resnext_tiny"));
  for (const at::Tensor& x :
       {at::randn({2, 1, 32, 32}), at::randn({3, 32, 32}), at::randn({2, 3, 0, 32})}) {
    try {
      model->forward(x);
      FAIL() << "accepted " << x.sizes();
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("[N, 3, H, W]"), std::string::npos) << e.what();
    }
  }
  ResNetConfig bad = resnet_config("resnext_tiny");
  bad.groups = 0;
  EXPECT_THROW(ResNet{bad}, Error);
}

// ---- on each device -------------------------------------------------------------------------
// The paths a GPU run takes (cuDNN convolutions, channels_last, bf16 autocast) against the CPU's
// fp32 result; the CPU instance checks the same properties where they are exact.

class ResNetOnDevice : public ptk::testing::OnDevice {
 protected:
  // resnext_tiny (grouped bottlenecks) with 10 classes and BN statistics moved off their
  // initial values, so that eval-mode BN does real work; its fp32 logits for x_ on the CPU are
  // expected_, and then the model moves to the device.
  void SetUp() override {
    OnDevice::SetUp();
    if (IsSkipped()) return;
    at::manual_seed(21);
    ResNetConfig config = resnet_config("resnext_tiny");
    config.num_classes = 10;
    model_ = ResNet(config);
    model_->train();
    at::NoGradGuard no_grad;
    for (int step = 0; step < 3; ++step) model_->forward(at::randn({8, 3, 32, 32}));
    model_->eval();
    x_ = at::randn({4, 3, 32, 32});
    expected_ = model_->forward(x_);
    model_->to(device());
  }

  ResNet model_{nullptr};
  at::Tensor x_, expected_;
};

TEST_P(ResNetOnDevice, ForwardMatchesTheCpuResult) {
  at::NoGradGuard no_grad;
  const at::Tensor logits = model_->forward(x_.to(device()));
  EXPECT_EQ(logits.device().type(), GetParam());
  EXPECT_EQ(logits.sizes(), at::IntArrayRef({4, 10}));
  EXPECT_LT(ptk::testing::relative_error(logits, expected_),
            on_cuda() ? ptk::testing::kCudaFp32Tolerance : 1e-6);
}

TEST_P(ResNetOnDevice, ChannelsLastForwardMatchesTheCpuResult) {
  convert_to_channels_last(*model_);
  for (const auto& item : model_->named_parameters()) {
    if (item.value().dim() == 4) {
      EXPECT_TRUE(item.value().is_contiguous(at::MemoryFormat::ChannelsLast)) << item.key();
    }
  }
  at::NoGradGuard no_grad;
  const at::Tensor logits =
      model_->forward(x_.to(device()).contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_LT(ptk::testing::relative_error(logits, expected_),
            on_cuda() ? ptk::testing::kCudaFp32Tolerance : 1e-5);
}

TEST_P(ResNetOnDevice, Bf16AutocastForwardStaysNearTheCpuResult) {
  convert_to_channels_last(*model_);
  at::Tensor logits;
  {
    at::NoGradGuard no_grad;
    train::AutocastScope autocast(train::resolve_precision("auto", device()), device());
    logits = model_->forward(x_.to(device()).contiguous(at::MemoryFormat::ChannelsLast));
  }
  // The head is a Linear: bf16 under CUDA autocast, fp32 where autocast is off.
  EXPECT_EQ(logits.scalar_type(), on_cuda() ? at::kBFloat16 : at::kFloat);
  EXPECT_TRUE(ptk::testing::all_finite(logits));
  EXPECT_LT(ptk::testing::relative_error(logits, expected_),
            on_cuda() ? ptk::testing::kBf16Tolerance : 1e-5);
}

TEST_P(ResNetOnDevice, Bf16TrainingStepReachesEveryParameterWithFiniteGradients) {
  at::manual_seed(22);
  ResNetConfig config = resnet_config("resnext_tiny");
  config.num_classes = 5;
  ResNet model(config);
  model->to(device());
  convert_to_channels_last(*model);
  model->train();
  const at::Tensor x =
      at::randn({4, 3, 32, 32}).to(device()).contiguous(at::MemoryFormat::ChannelsLast);
  at::Tensor loss;
  {
    train::AutocastScope autocast(train::resolve_precision("auto", device()), device());
    loss = model->forward(x).logsumexp(1).mean();
  }
  loss.backward();
  EXPECT_TRUE(ptk::testing::all_finite(loss));
  for (const auto& item : model->named_parameters()) {
    const at::Tensor& grad = item.value().grad();
    ASSERT_TRUE(grad.defined()) << item.key();
    EXPECT_EQ(grad.scalar_type(), at::kFloat) << item.key();  // fp32 master weights and grads
    EXPECT_TRUE(ptk::testing::all_finite(grad)) << item.key();
  }
  EXPECT_EQ(tensor_at(*model, "bn1.num_batches_tracked").item<int64_t>(), 1);
}

INSTANTIATE_TEST_SUITE_P(CPU, ResNetOnDevice, ::testing::Values(c10::kCPU));
INSTANTIATE_TEST_SUITE_P(CUDA, ResNetOnDevice, ::testing::Values(c10::kCUDA));

}  // namespace
}  // namespace ptk::vision
