// Running a backbone over image files: output rows follow the file order for any thread count
// and batch size, the identity backbone's features are the normalised pixels, greyscale takes
// the channel mean, and a broken file is an error naming it.
#include "vision/eval/feature_extractor.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/base/error.h"
#include "tests/vision/eval/test_image_folder.h"
#include "vision/eval/backbone.h"

namespace ptk::vision {
namespace {

namespace fs = std::filesystem;

class FeatureExtractorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() /
             ("ptk_feature_extractor_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                .string();
    fs::remove_all(root_);
    testing::write_image_folder(root_, 3, 5, 2, 20);
    folder_ = read_imagenet_folder(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  ImageBatchOptions options(int threads, int64_t batch) const {
    ImageBatchOptions o;
    o.transform.resize_size = 20;
    o.transform.crop_size = 16;
    o.threads = threads;
    o.batch = batch;
    return o;
  }

  std::string root_;
  ImageFolderSet folder_;
};

TEST_F(FeatureExtractorTest, IdentityFeaturesAreTheTransformOutputInFileOrder) {
  ImageNetEvalOptions eval;
  eval.init = BackboneInit::kPixels;
  const Backbone pixels = load_backbone(eval);
  const auto forward = [&](const at::Tensor& x) { return pixels.features(x); };
  const at::Tensor one = map_images(folder_.train, options(1, 64), forward);
  ASSERT_EQ(one.size(0), 15);
  ASSERT_EQ(one.size(1), 3 * 16 * 16);
  const at::Tensor many = map_images(folder_.train, options(3, 4), forward);
  EXPECT_TRUE(at::equal(one, many));
  for (int64_t i : {0, 7, 14}) {
    const std::vector<uint8_t> bytes = read_file_bytes(folder_.train[i].path);
    const std::vector<float> expected =
        options(1, 1).transform(bytes.data(), bytes.size(), folder_.train[i].path);
    EXPECT_TRUE(at::equal(one[i], at::tensor(expected))) << i;
  }
  EXPECT_TRUE(at::equal(image_labels(folder_.train),
                        at::tensor({0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2}, at::kLong)));
}

TEST_F(FeatureExtractorTest, OneChannelIsTheMeanOfThree) {
  ImageBatchOptions grey = options(2, 4);
  grey.channels = 1;
  const auto identity = [](const at::Tensor& x) { return x.flatten(1); };
  const at::Tensor rgb = map_images(folder_.val, options(2, 4), identity).view({-1, 3, 16, 16});
  const at::Tensor one = map_images(folder_.val, grey, identity);
  EXPECT_TRUE(at::allclose(one, rgb.mean(1).flatten(1)));
}

TEST_F(FeatureExtractorTest, BrokenImageIsAnErrorNamingTheFile) {
  const std::string broken = root_ + "/train/n00000001/train_2.JPEG";
  std::ofstream(broken, std::ios::trunc) << "not a picture";
  try {
    map_images(folder_.train, options(2, 4), [](const at::Tensor& x) { return x.flatten(1); });
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(broken), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk::vision
