// dedup.embedding=backbone on a real ResNet-18 (random init: no pretrained weights ship with
// Debian): unit-length rows of the network's width, mirror rows that are the rows of the
// mirrored picture, the same picture found again after re-encoding, and an undecodable image
// reported instead of embedded.
#include "vision/dedup/backbone_embedder.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/core.hpp>
#include <string>
#include <utility>
#include <vector>

#include "common/base/error.h"
#include "tests/vision/transforms/test_images.h"

namespace ptk::vision {
namespace {

using testing::encode;
using testing::natural_scene;

ImageNetEvalOptions small_resnet() {
  ImageNetEvalOptions options;
  options.init = BackboneInit::kRandom;
  options.arch = "resnet18";
  options.resize = 72;
  options.crop = 64;
  options.batch = 2;  // several forward passes per call
  options.threads = 2;
  return options;
}

float dot(const std::vector<float>& rows, size_t a, const std::vector<float>& other, size_t b,
          size_t dim) {
  float sum = 0;
  for (size_t c = 0; c < dim; ++c) sum += rows[a * dim + c] * other[b * dim + c];
  return sum;
}

TEST(BackboneEmbedder, EmbedsMirrorsAndReportsWhatItCannotDecode) {
  const auto embedder = make_backbone_embedder(small_resnet());
  ASSERT_EQ(embedder->dim(), 512);
  EXPECT_NE(embedder->description().find("resnet18"), std::string::npos);

  const cv::Mat scene = natural_scene(160, 120, 4);
  cv::Mat mirrored;
  cv::flip(scene, mirrored, 1);
  const std::vector<std::vector<uint8_t>> files = {encode(scene, ".png"),
                                                   encode(mirrored, ".png"),
                                                   encode(scene, ".jpg", 40),
                                                   encode(natural_scene(160, 120, 9), ".png"),
                                                   {1, 2, 3}};
  std::vector<EncodedImage> images;
  for (size_t i = 0; i < files.size(); ++i) {
    images.push_back({files[i].data(), files[i].size(), "image-" + std::to_string(i)});
  }
  const Embeddings out = embedder->embed(images, /*with_mirror=*/true);
  const size_t dim = 512;
  ASSERT_EQ(out.rows.size(), files.size() * dim);
  ASSERT_EQ(out.mirrored.size(), files.size() * dim);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(out.errors[i], "");
    EXPECT_NEAR(dot(out.rows, i, out.rows, i, dim), 1.0f, 1e-4f) << i;
  }
  // The mirror row of the picture is the row of its mirror image (both lossless).
  EXPECT_NEAR(dot(out.mirrored, 0, out.rows, 1, dim), 1.0f, 1e-4f);
  // A JPEG re-encoding is nearer to its source than another scene is.
  EXPECT_GT(dot(out.rows, 2, out.rows, 0, dim), dot(out.rows, 3, out.rows, 0, dim));
  EXPECT_NE(out.errors[4].find("image-4"), std::string::npos) << out.errors[4];
  EXPECT_EQ(dot(out.rows, 4, out.rows, 4, dim), 0.0f);  // similar to nothing
}

// Raw pixels are no embedding, and a backbone without weights is one only at random init: both
// are usage errors that name the key.
TEST(BackboneEmbedder, NeedsWeightsOrRandomInit) {
  ImageNetEvalOptions pixels = small_resnet();
  pixels.init = BackboneInit::kPixels;
  ImageNetEvalOptions no_weights = small_resnet();
  no_weights.init = BackboneInit::kCheckpoint;
  ImageNetEvalOptions missing = no_weights;
  missing.checkpoint = "/nonexistent/resnet18.pth";
  for (const auto& [options, key] :
       {std::pair{pixels, "dedup.init"}, std::pair{no_weights, "dedup.checkpoint"},
        std::pair{missing, "dedup.checkpoint"}}) {
    try {
      make_backbone_embedder(options);
      ADD_FAILURE() << "no error for " << key;
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2) << e.what();
      EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace ptk::vision
