// The feature cache as a second run sees it: the same key finds the features, any change of
// weights, transform or images misses, and a damaged file is ignored rather than trusted.
#include "vision/eval/feature_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/base/error.h"

namespace ptk::vision {
namespace {

namespace fs = std::filesystem;

class FeatureCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("ptk_feature_cache_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  CachedFeatures sample() const {
    CachedFeatures f;
    f.rows = 3;
    f.dim = 2;
    f.values = {1, 2, 3, 4, 5, 6.5f};
    f.labels = {0, 2, 1};
    return f;
  }

  fs::path dir_;
};

TEST_F(FeatureCacheTest, SameKeyReadsBackWhatWasWritten) {
  const std::string key = "checkpoint weights_xxh64=abc; crop=224; images=3";
  const std::string path = feature_cache_path((dir_ / "cache").string(), "train", key);
  EXPECT_FALSE(read_feature_cache(path, key).has_value());
  write_feature_cache(path, key, sample());
  const auto read = read_feature_cache(path, key);
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->rows, 3);
  EXPECT_EQ(read->dim, 2);
  EXPECT_EQ(read->values, sample().values);
  EXPECT_EQ(read->labels, sample().labels);
  for (const auto& entry : fs::directory_iterator(dir_ / "cache")) {
    EXPECT_EQ(entry.path().string(), path) << "a temporary was left behind";
  }
}

TEST_F(FeatureCacheTest, AnotherKeyMissesEvenAtTheSamePath) {
  const std::string path = feature_cache_path(dir_.string(), "val", "key A");
  EXPECT_NE(path, feature_cache_path(dir_.string(), "val", "key B"));
  EXPECT_NE(path, feature_cache_path(dir_.string(), "train", "key A"));
  write_feature_cache(path, "key A", sample());
  EXPECT_FALSE(read_feature_cache(path, "key B").has_value());
}

TEST_F(FeatureCacheTest, DamagedFileIsIgnored) {
  const std::string path = feature_cache_path(dir_.string(), "val", "k");
  std::ofstream(path) << "not an HDF5 file";
  EXPECT_FALSE(read_feature_cache(path, "k").has_value());
  write_feature_cache(path, "k", sample());  // replaced by a good one
  EXPECT_TRUE(read_feature_cache(path, "k").has_value());
}

TEST_F(FeatureCacheTest, ImageDescriptionChangesWithContentAndLabels) {
  fs::create_directories(dir_ / "train/n01");
  const std::string image = (dir_ / "train/n01/a.JPEG").string();
  std::ofstream(image) << "abc";
  const std::vector<LabeledImage> images = {{image, 0}};
  const std::string first = describe_images(dir_.string(), images);
  EXPECT_EQ(first, describe_images(dir_.string(), images));
  EXPECT_NE(first, describe_images(dir_.string(), {{image, 1}}));
  std::ofstream(image) << "abcd";  // a re-encoded image has another size or time
  EXPECT_NE(first, describe_images(dir_.string(), images));
  // The listing is relative to the root: moving the whole folder keeps the key.
  const std::string before = describe_images(dir_.string(), images);
  fs::create_directories(dir_ / "root2");
  fs::rename(dir_ / "train", dir_ / "root2/train");
  const std::string moved = (dir_ / "root2/train/n01/a.JPEG").string();
  EXPECT_EQ(describe_images((dir_ / "root2").string(), {{moved, 0}}), before);
  EXPECT_THROW(describe_images(dir_.string(), {{(dir_ / "missing.JPEG").string(), 0}}), Error);
}

TEST_F(FeatureCacheTest, InconsistentFeaturesAreRefused) {
  CachedFeatures bad = sample();
  bad.labels.pop_back();
  EXPECT_THROW(write_feature_cache(feature_cache_path(dir_.string(), "train", "k"), "k", bad),
               Error);
}

}  // namespace
}  // namespace ptk::vision
