// The thumbnail descriptor finds copies of a picture and keeps distinct pictures apart.
#include "vision/dedup/image_descriptor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "tests/vision/dedup/dedup_test_pictures.h"
#include "vision/dedup/dedup_job.h"
#include "vision/transforms/image_decoder.h"

namespace ptk::vision {
namespace {

using testing::copy_kinds;
using testing::copy_of;
using testing::natural_scene;

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  return std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
}

std::vector<float> describe(const std::vector<uint8_t>& bytes) {
  return image_descriptor(decode_image(bytes.data(), bytes.size(), "test"));
}

// What the dedup job compares: the best of the picture as it is and mirrored.
double similarity(const std::vector<float>& query, const std::vector<float>& reference) {
  return std::max(dot(query, reference), dot(flipped_descriptor(query), reference));
}

TEST(ImageDescriptor, IsUnitLengthAndAFlatPictureIsSimilarToNothing) {
  const auto d = describe(testing::encode(natural_scene(160, 120, 3), ".png"));
  ASSERT_EQ(d.size(), static_cast<size_t>(kImageDescriptorSize));
  EXPECT_NEAR(dot(d, d), 1.0, 1e-5);
  const auto flat =
      image_descriptor(testing::to_rgb_image(cv::Mat(64, 64, CV_8UC3, cv::Scalar(90, 90, 90))));
  EXPECT_EQ(dot(flat, flat), 0.0);
}

TEST(ImageDescriptor, TheMirrorDescriptorIsTheDescriptorOfTheMirroredPicture) {
  const cv::Mat scene = natural_scene(160, 120, 5);
  const auto mirrored = describe(copy_of(scene, testing::CopyKind::kMirrored));
  const auto original = describe(copy_of(scene, testing::CopyKind::kSame));
  EXPECT_GT(dot(flipped_descriptor(original), mirrored), 0.98);
  EXPECT_LT(dot(original, mirrored), kDefaultDedupThreshold);  // the scene is not symmetric
}

// Copies, re-encodings, resizes, brightness, contrast, greyscale and mirror images reach the
// default threshold; a crop moves every frequency, so crops are not promised: a 90% crop keeps
// 0.75, an 80% crop is not checked.
TEST(ImageDescriptor, CopiesOfEveryKindButCropsStayAboveTheDefaultThreshold) {
  for (uint32_t seed = 1; seed <= 12; ++seed) {
    const cv::Mat scene = natural_scene(200, 150, seed);
    const auto original = describe(testing::encode(scene, ".png"));
    for (const auto& [kind, name] : copy_kinds()) {
      if (kind == testing::CopyKind::kCrop80) continue;
      const double expected = kind == testing::CopyKind::kCrop90 ? 0.75 : kDefaultDedupThreshold;
      EXPECT_GE(similarity(describe(copy_of(scene, kind)), original), expected)
          << name << " copy of scene " << seed;
    }
  }
}

TEST(ImageDescriptor, DistinctScenesStayBelowTheDefaultThreshold) {
  std::vector<std::vector<float>> scenes;
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    scenes.push_back(describe(testing::encode(natural_scene(200, 150, seed), ".png")));
  }
  double highest = -1;
  for (size_t a = 0; a < scenes.size(); ++a) {
    for (size_t b = a + 1; b < scenes.size(); ++b) {
      highest = std::max(highest, similarity(scenes[a], scenes[b]));
    }
  }
  EXPECT_LT(highest, kDefaultDedupThreshold);
}

}  // namespace
}  // namespace ptk::vision
