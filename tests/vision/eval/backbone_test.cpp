// Backbones as users point at them: a run directory, a checkpoint directory or a bare weight
// file; the architecture from the checkpoint's config; the head dropped; random init and pixels
// reproducible; and the identity (the feature cache key) tracking the weights, not the path.
#include "vision/eval/backbone.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <torch/optim/sgd.h>
#include <unistd.h>

#include <filesystem>

#include "common/base/error.h"
#include "common/io/state_dict.h"
#include "common/train/checkpoint.h"
#include "vision/models/resnet.h"

namespace ptk::vision {
namespace {

namespace fs = std::filesystem;

class BackboneTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ptk_backbone_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    at::manual_seed(42);
    ResNetConfig config = resnet_config("resnext_tiny");
    config.num_classes = 5;
    trained_ = ResNet(config);
    torch::optim::SGD optimizer(trained_->parameters(), torch::optim::SGDOptions(0.1));
    train::CheckpointState state;
    state.step = 2;
    state.config_yaml = "model:\n  arch: resnext_tiny\n";
    checkpoint_ = train::write_checkpoint((dir_ / "run").string(), io::module_state_dict(*trained_),
                                          optimizer, state, 1);
    images_ = at::randn({2, 3, 32, 32});
  }
  void TearDown() override { fs::remove_all(dir_); }

  at::Tensor expected_features() {
    trained_->eval();
    at::NoGradGuard no_grad;
    return trained_->features(images_);
  }

  fs::path dir_;
  ResNet trained_{nullptr};
  std::string checkpoint_;
  at::Tensor images_;
};

TEST_F(BackboneTest, RunDirCheckpointDirAndWeightFileGiveTheSameFeatures) {
  ImageNetEvalOptions options;
  options.checkpoint = (dir_ / "run").string();
  const Backbone from_run = load_backbone(options);
  EXPECT_EQ(from_run.arch, "resnext_tiny");
  EXPECT_EQ(from_run.weights_file, checkpoint_ + "/model.pt");
  EXPECT_TRUE(at::allclose(from_run.features(images_), expected_features()));
  EXPECT_EQ(from_run.model->num_classes(), 0);  // the hashtag head is dropped

  options.checkpoint = checkpoint_;
  EXPECT_EQ(load_backbone(options).identity, from_run.identity);

  // A bare weight file carries no config: the architecture must be named.
  fs::copy_file(checkpoint_ + "/model.pt", dir_ / "weights.pt");
  options.checkpoint = (dir_ / "weights.pt").string();
  EXPECT_THROW(load_backbone(options), Error);
  options.arch = "resnext_tiny";
  const Backbone from_file = load_backbone(options);
  EXPECT_EQ(from_file.identity, from_run.identity) << "the key follows the bytes, not the path";
  EXPECT_TRUE(at::allclose(from_file.features(images_), expected_features()));

  options.arch = "resnet18";
  try {
    load_backbone(options);
    FAIL() << "resnext_tiny weights loaded into resnet18";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weights.pt"), std::string::npos) << e.what();
  }
}

TEST_F(BackboneTest, RandomInitIsReproducibleAndDiffersFromTheCheckpoint) {
  ImageNetEvalOptions options;
  options.checkpoint = (dir_ / "run").string();
  options.init = BackboneInit::kRandom;
  const Backbone a = load_backbone(options);
  const Backbone b = load_backbone(options);
  EXPECT_EQ(a.arch, "resnext_tiny");
  EXPECT_TRUE(a.weights_file.empty());
  EXPECT_TRUE(at::equal(a.features(images_), b.features(images_)));
  EXPECT_FALSE(at::allclose(a.features(images_), expected_features()));
  options.seed = 1;
  const Backbone c = load_backbone(options);
  EXPECT_NE(c.identity, a.identity);
  EXPECT_FALSE(at::allclose(c.features(images_), a.features(images_)));
}

TEST_F(BackboneTest, PixelsAreFlattenedAndChannelsMustMatchTheNetwork) {
  ImageNetEvalOptions options;
  options.init = BackboneInit::kPixels;
  const Backbone pixels = load_backbone(options);
  EXPECT_FALSE(pixels.model);
  EXPECT_TRUE(at::equal(pixels.features(images_), images_.flatten(1)));

  options.init = BackboneInit::kCheckpoint;
  options.checkpoint = (dir_ / "run").string();
  options.channels = 1;  // resnext_tiny takes RGB
  EXPECT_THROW(load_backbone(options), Error);
  options.channels = 3;
  options.checkpoint = (dir_ / "empty").string();
  fs::create_directories(options.checkpoint);
  EXPECT_THROW(load_backbone(options), Error);
}

}  // namespace
}  // namespace ptk::vision
