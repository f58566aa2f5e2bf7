// Presets, validation and the closed-form sizes of vision/models/resnet_config.h, checked against
// the numbers torchvision and the ResNeXt / WSL papers publish. Torch-free: compiles in seconds.
#include "vision/models/resnet_config.h"

#include <string>

#include <gtest/gtest.h>

#include "common/base/error.h"

namespace ptk::vision {
namespace {

// Expects `fn` to throw a usage ptk::Error whose message contains every one of `parts`.
template <typename Fn>
void expect_usage_error(Fn fn, std::initializer_list<std::string> parts) {
  try {
    fn();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUsage);
    for (const std::string& part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "'" << part << "' not in: " << e.what();
    }
  }
}

TEST(ResNetConfig, PresetParameterCountsMatchTorchvision) {
  // torchvision's model cards; the 32x{16,32,48}d values are sum(p.numel()) of the WSL models.
  const std::pair<const char*, int64_t> expected[] = {
      {"resnet18", 11'689'512},           {"resnet34", 21'797'672},
      {"resnet50", 25'557'032},           {"resnext50_32x4d", 25'028'904},
      {"resnext101_32x4d", 44'177'704},   {"resnext101_32x8d", 88'791'336},
      {"resnext101_32x16d", 194'026'792}, {"resnext101_32x32d", 468'530'472},
      {"resnext101_32x48d", 828'411'176}, {"resnext101_64x4d", 83'455'272},
  };
  for (const auto& [name, count] : expected) {
    EXPECT_EQ(parameter_count(resnet_config(name)), count) << name;
  }
}

TEST(ResNetConfig, MultiplyAddsMatchPublishedGigaMacs) {
  const std::pair<const char*, double> expected[] = {
      {"resnet50", 4.09},          {"resnext50_32x4d", 4.23},    {"resnext101_32x8d", 16.41},
      {"resnext101_64x4d", 15.46}, {"resnext101_32x16d", 36.16}, {"resnext101_32x48d", 153.31},
  };
  for (const auto& [name, gmacs] : expected) {
    EXPECT_NEAR(multiply_adds(resnet_config(name), 224, 224) / 1e9, gmacs, 0.005) << name;
  }
  // Doubling the side (224 -> 448 keeps every stage's side even) quadruples the convolution
  // work exactly; the fc term (2048 x 1000) does not scale.
  const ResNetConfig r50 = resnet_config("resnet50");
  const int64_t fc = 2048 * 1000;
  EXPECT_EQ(multiply_adds(r50, 448, 448) - fc, 4 * (multiply_adds(r50, 224, 224) - fc));
  // Non-square images: the sides are independent.
  EXPECT_EQ(multiply_adds(r50, 224, 448) - fc, 2 * (multiply_adds(r50, 224, 224) - fc));
}

TEST(ResNetConfig, FeatureDimIsLastStageWidth) {
  EXPECT_EQ(feature_dim(resnet_config("resnet18")), 512);
  EXPECT_EQ(feature_dim(resnet_config("resnet50")), 2048);
  EXPECT_EQ(feature_dim(resnet_config("resnext101_32x48d")), 2048);
  EXPECT_EQ(feature_dim(resnet_config("resnext_tiny")), 512);
  EXPECT_EQ(stage_channels(resnet_config("resnext50_32x4d"), 0), 256);
  EXPECT_EQ(parameter_count(resnet_config("resnext_tiny")), 728'156);
  EXPECT_THROW(stage_channels(resnet_config("resnet50"), 4), Error);
}

TEST(ResNetConfig, EveryListedNameResolvesAndIsValid) {
  ASSERT_GE(resnet_config_names().size(), 11u);
  for (const std::string& name : resnet_config_names()) {
    EXPECT_NO_THROW(validate(resnet_config(name))) << name;
  }
  const ResNetConfig x = resnet_config("resnext101_32x8d");
  EXPECT_EQ(x.layers, (std::vector<int64_t>{3, 4, 23, 3}));
  EXPECT_EQ(x.groups, 32);
  EXPECT_EQ(x.width_per_group, 8);
  EXPECT_TRUE(x.bottleneck);
  EXPECT_FALSE(x.zero_init_residual);
  EXPECT_FALSE(resnet_config("resnet34").bottleneck);
}

TEST(ResNetConfig, UnknownNameListsValidNames) {
  expect_usage_error([] { resnet_config("resnext101_32x9d"); },
                     {"resnext101_32x9d", "resnet50", "resnext101_32x48d", "resnext_tiny"});
}

TEST(ResNetConfig, InvalidFieldsAreNamed) {
  const ResNetConfig good = resnet_config("resnext_tiny");
  ResNetConfig c = good;
  c.layers = {1, 1, 1};
  expect_usage_error([&] { validate(c); }, {"layers", "4 stages", "got 3"});
  c = good;
  c.layers = {1, 0, 1, 1};
  expect_usage_error([&] { validate(c); }, {"layers", ">= 1"});
  c = good;
  c.groups = 0;
  expect_usage_error([&] { validate(c); }, {"groups", "got 0"});
  c = good;
  c.num_classes = -1;
  expect_usage_error([&] { validate(c); }, {"num_classes", "got -1"});
  c = good;
  c.in_channels = 0;
  expect_usage_error([&] { validate(c); }, {"in_channels"});
  c = good;
  c.width_per_group = 2;  // 16 * 2 / 64 rounds to 0
  expect_usage_error([&] { validate(c); }, {"width_per_group", "0 channels per group"});
  c = resnet_config("resnet18");
  c.groups = 32;
  expect_usage_error([&] { parameter_count(c); }, {"basic blocks", "groups 1"});
  expect_usage_error([&] { multiply_adds(good, 0, 32); }, {"image height"});
}

}  // namespace
}  // namespace ptk::vision
