// Training and evaluation transforms on real encoded images: crop boxes inside the image for
// any shape, determinism per (seed, epoch, index), exact flips, normalisation, eval geometry,
// DCT-scaled decoding close to full decoding, and bad records reported.
#include "vision/transforms/augment.h"

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <random>

#include "common/base/error.h"
#include "common/data/philox.h"
#include "tests/vision/transforms/test_images.h"
#include "vision/transforms/image_decoder.h"

namespace ptk::vision {
namespace {

using data::SampleRng;
using testing::encode;
using testing::natural_scene;
using testing::to_rgb_image;

constexpr Normalization kIdentity{{0.0f, 0.0f, 0.0f}, {1.0f, 1.0f, 1.0f}};

bool inside(const CropBox& box, int width, int height) {
  return box.x >= 0 && box.y >= 0 && box.width >= 1 && box.height >= 1 &&
         box.x + box.width <= width && box.y + box.height <= height;
}

// PSNR of two [0, 1] float buffers.
double psnr_unit(const std::vector<float>& a, const std::vector<float>& b) {
  double squared = 0;
  for (size_t i = 0; i < a.size(); ++i) squared += (a[i] - b[i]) * (a[i] - b[i]);
  return 10 * std::log10(static_cast<double>(a.size()) / std::max(squared, 1e-12));
}

TEST(RandomResizedCrop, BoxStaysInsideTheImageForAnyShape) {
  const std::array<int, 2> shapes[] = {{500, 375}, {375, 500}, {2000, 50}, {50, 2000}, {1, 1},
                                       {1, 3000},  {3000, 1},  {224, 224}, {28, 28},   {7, 5}};
  for (const auto& [w, h] : shapes) {
    for (uint64_t index = 0; index < 2000; ++index) {
      SampleRng rng(17, 3, index);
      const CropBox box = sample_resized_crop(w, h, {0.08, 1.0}, {3.0 / 4, 4.0 / 3}, rng);
      ASSERT_TRUE(inside(box, w, h)) << w << "x" << h << " index " << index << ": " << box.x << ","
                                     << box.y << " " << box.width << "x" << box.height;
    }
  }
}

TEST(RandomResizedCrop, SampledBoxesFollowScaleAndRatio) {
  const int w = 500, h = 375;
  double min_area = 1, max_area = 0;
  for (uint64_t index = 0; index < 5000; ++index) {
    SampleRng rng(5, 0, index);
    const CropBox box = sample_resized_crop(w, h, {0.08, 1.0}, {3.0 / 4, 4.0 / 3}, rng);
    const double area = static_cast<double>(box.width) * box.height / (w * h);
    const double aspect = static_cast<double>(box.width) / box.height;
    min_area = std::min(min_area, area);
    max_area = std::max(max_area, area);
    // Rounding to whole pixels can move the ratio and area by a pixel's worth.
    EXPECT_GT(aspect, 0.75 * (1 - 0.02)) << index;
    EXPECT_LT(aspect, 4.0 / 3 * (1 + 0.02)) << index;
    EXPECT_GT(area, 0.08 * 0.97) << index;
  }
  EXPECT_LT(min_area, 0.1);  // the whole range is used
  EXPECT_GT(max_area, 0.9);
}

TEST(RandomResizedCrop, FallsBackToTheCentredBoxForElongatedImages) {
  // No box of at least 8% of a 2000x50 image has a ratio within [3/4, 4/3], so every try fails
  // and torchvision's fallback gives the full height, width round(50 * 4/3) = 67, centred.
  for (uint64_t index = 0; index < 50; ++index) {
    SampleRng rng(1, 0, index);
    const CropBox box = sample_resized_crop(2000, 50, {0.08, 1.0}, {3.0 / 4, 4.0 / 3}, rng);
    EXPECT_EQ(box.width, 67);
    EXPECT_EQ(box.height, 50);
    EXPECT_EQ(box.x, (2000 - 67) / 2);
    EXPECT_EQ(box.y, 0);
  }
}

TEST(ScaleCropBox, StaysInsideTheScaledImage) {
  std::mt19937 gen(11);
  for (int i = 0; i < 20000; ++i) {
    const int w = 1 + static_cast<int>(gen() % 3000);
    const int h = 1 + static_cast<int>(gen() % 3000);
    CropBox box;
    box.width = 1 + static_cast<int>(gen() % w);
    box.height = 1 + static_cast<int>(gen() % h);
    box.x = static_cast<int>(gen() % (w - box.width + 1));
    box.y = static_cast<int>(gen() % (h - box.height + 1));
    const int eighths = 1 + static_cast<int>(gen() % 8);
    const int sw = (w * eighths + 7) / 8, sh = (h * eighths + 7) / 8;
    const CropBox scaled = scale_crop_box(box, w, h, sw, sh);
    ASSERT_TRUE(inside(scaled, sw, sh)) << w << "x" << h << " at " << eighths << "/8";
    // And it is the same region, to within rounding (half a pixel), except that a box of less
    // than a scaled pixel is widened to one.
    const double sx = static_cast<double>(sw) / w, sy = static_cast<double>(sh) / h;
    const double x_tolerance = scaled.width == 1 ? 1.5 : 0.5 + 1e-9;
    const double y_tolerance = scaled.height == 1 ? 1.5 : 0.5 + 1e-9;
    EXPECT_LE(std::abs(scaled.x - box.x * sx), x_tolerance);
    EXPECT_LE(std::abs(scaled.x + scaled.width - (box.x + box.width) * sx), x_tolerance);
    EXPECT_LE(std::abs(scaled.y - box.y * sy), y_tolerance);
    EXPECT_LE(std::abs(scaled.y + scaled.height - (box.y + box.height) * sy), y_tolerance);
  }
}

class TrainTransformTest : public ::testing::Test {
 protected:
  std::vector<uint8_t> jpeg_ = encode(natural_scene(500, 375), ".jpg");
};

TEST_F(TrainTransformTest, SameSampleKeyGivesIdenticalOutputAndOtherKeysDiffer) {
  const TrainTransform transform;
  const auto run = [&](uint64_t seed, uint64_t epoch, uint64_t index) {
    SampleRng rng(seed, epoch, index);
    return transform(jpeg_.data(), jpeg_.size(), "r", rng);
  };
  const std::vector<float> first = run(42, 1, 7);
  ASSERT_EQ(first.size(), 3u * 224 * 224);
  EXPECT_EQ(first, run(42, 1, 7));
  EXPECT_NE(first, run(42, 1, 8));
  EXPECT_NE(first, run(42, 2, 7));
  EXPECT_NE(first, run(43, 1, 7));
}

TEST_F(TrainTransformTest, FlipIsAnExactMirror) {
  TrainTransform plain;
  plain.hflip = 0.0;
  TrainTransform flipped = plain;
  flipped.hflip = 1.0;
  const int s = plain.output_size;
  for (uint64_t index = 0; index < 5; ++index) {
    SampleRng rng_a(9, 0, index), rng_b(9, 0, index);
    const auto a = plain(jpeg_.data(), jpeg_.size(), "r", rng_a);
    const auto b = flipped(jpeg_.data(), jpeg_.size(), "r", rng_b);
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < s; ++y) {
        for (int x = 0; x < s; ++x) {
          ASSERT_EQ(a[(c * s + y) * s + x], b[(c * s + y) * s + (s - 1 - x)]);
        }
      }
    }
  }
}

TEST_F(TrainTransformTest, NormalisationAppliesMeanAndStdPerRgbChannel) {
  // A full-image crop of an image already at the output size leaves the pixels untouched, so
  // the output is exactly the normalised PNG pixels.
  const cv::Mat scene = natural_scene(64, 64, 4);
  const auto png = encode(scene, ".png");
  const Image rgb = to_rgb_image(scene);
  TrainTransform transform;
  transform.output_size = 64;
  transform.scale = {1.0, 1.0};
  transform.ratio = {1.0, 1.0};
  transform.hflip = 0.0;
  transform.normalization = Normalization{{0.1f, 0.5f, 0.9f}, {0.2f, 0.25f, 0.5f}};
  SampleRng rng(0, 0, 0);
  const auto out = transform(png.data(), png.size(), "p", rng);
  for (int c = 0; c < 3; ++c) {
    for (int i = 0; i < 64 * 64; ++i) {
      const float expected = (rgb.pixels[i * 3 + c] / 255.0f - transform.normalization.mean[c]) /
                             transform.normalization.std[c];
      ASSERT_NEAR(out[c * 64 * 64 + i], expected, 1e-5f) << "channel " << c << " pixel " << i;
    }
  }
  // ImageNet defaults.
  const Normalization imagenet;
  EXPECT_FLOAT_EQ(imagenet.mean[0], 0.485f);
  EXPECT_FLOAT_EQ(imagenet.std[2], 0.225f);
}

TEST_F(TrainTransformTest, DctScaledDecodeIsCloseToFullResolution) {
  const auto big = encode(natural_scene(1600, 1200, 2), ".jpg");
  TrainTransform scaled;
  scaled.normalization = kIdentity;
  TrainTransform full = scaled;
  full.dct_scaling = false;
  double total = 0;
  const int samples = 20;
  for (uint64_t index = 0; index < samples; ++index) {
    SampleRng rng_a(3, 0, index), rng_b(3, 0, index);
    const double p = psnr_unit(scaled(big.data(), big.size(), "b", rng_a),
                               full(big.data(), big.size(), "b", rng_b));
    EXPECT_GT(p, 25.0) << "index " << index;
    total += p;
  }
  EXPECT_GT(total / samples, 30.0);
}

TEST_F(TrainTransformTest, ColourJitterIsDeterministicAndStaysInRange) {
  TrainTransform jitter;
  jitter.normalization = kIdentity;
  jitter.color_jitter = ColorJitter{0.4f, 0.4f, 0.4f};
  TrainTransform plain = jitter;
  plain.color_jitter = ColorJitter{};
  for (uint64_t index = 0; index < 10; ++index) {
    SampleRng a(8, 0, index), b(8, 0, index), c(8, 0, index);
    const auto out = jitter(jpeg_.data(), jpeg_.size(), "r", a);
    EXPECT_EQ(out, jitter(jpeg_.data(), jpeg_.size(), "r", b));
    EXPECT_NE(out, plain(jpeg_.data(), jpeg_.size(), "r", c));
    for (float v : out) ASSERT_TRUE(v >= 0.0f && v <= 1.0f) << v;
  }
}

TEST_F(TrainTransformTest, SaturationZeroGivesGrey) {
  TrainTransform grey;
  grey.normalization = kIdentity;
  grey.color_jitter.saturation = 1.0f;  // factors in [0, 2]; find a sample that drew near 0
  // Draws are uniform, so among many samples the least saturated output is almost grey.
  double least = 1e9;
  const size_t plane = 224 * 224;
  for (uint64_t index = 0; index < 200; ++index) {
    SampleRng rng(2, 0, index);
    const auto out = grey(jpeg_.data(), jpeg_.size(), "r", rng);
    double spread = 0;
    for (size_t i = 0; i < plane; ++i) {
      spread += std::abs(out[i] - out[plane + i]) + std::abs(out[i] - out[2 * plane + i]);
    }
    least = std::min(least, spread / plane);
  }
  EXPECT_LT(least, 0.01);
}

TEST_F(TrainTransformTest, BadRecordsAreReportedWithTheirName) {
  const TrainTransform transform;
  std::vector<float> out(transform.output_floats());
  for (size_t length : {size_t{0}, size_t{50}, jpeg_.size() / 2, jpeg_.size() - 30}) {
    SampleRng rng(0, 0, 0);
    try {
      transform.apply(jpeg_.data(), length, "shard-7.h5#12", rng, out.data());
      ADD_FAILURE() << "length " << length << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("shard-7.h5#12"), std::string::npos) << e.what();
    }
  }
  const std::string text = "GIF? no, a caption";
  SampleRng rng(0, 0, 0);
  EXPECT_THROW(transform.apply(reinterpret_cast<const uint8_t*>(text.data()), text.size(), "t", rng,
                               out.data()),
               Error);
}

TEST(TrainTransform, InvalidSettingsAreUsageErrors) {
  const auto kind = [](const TrainTransform& t) {
    try {
      t.validate();
    } catch (const Error& e) {
      return e.kind();
    }
    return ErrorKind::kRuntime;
  };
  TrainTransform t;
  EXPECT_NO_THROW(t.validate());
  t.output_size = 0;
  EXPECT_EQ(kind(t), ErrorKind::kUsage);
  t = TrainTransform{};
  t.scale = {0.5, 0.2};
  EXPECT_EQ(kind(t), ErrorKind::kUsage);
  t = TrainTransform{};
  t.ratio = {0.0, 1.0};
  EXPECT_EQ(kind(t), ErrorKind::kUsage);
  t = TrainTransform{};
  t.hflip = 1.5;
  EXPECT_EQ(kind(t), ErrorKind::kUsage);
  t = TrainTransform{};
  t.normalization.std[1] = 0.0f;
  EXPECT_EQ(kind(t), ErrorKind::kUsage);
}

TEST(EvalTransform, ResizesTheShorterSideLikeTorchvision) {
  const EvalTransform eval;
  EXPECT_EQ(eval.resized_size(500, 375), (std::array<int, 2>{341, 256}));
  EXPECT_EQ(eval.resized_size(375, 500), (std::array<int, 2>{256, 341}));
  EXPECT_EQ(eval.resized_size(256, 256), (std::array<int, 2>{256, 256}));
  EXPECT_EQ(eval.resized_size(2000, 50), (std::array<int, 2>{10240, 256}));
}

TEST(EvalTransform, CropIsCentred) {
  // Shorter side already 256: no resampling, so the output is exactly the centred pixels.
  // 320 - 224 = 96 -> x offset 48; 256 - 224 = 32 -> y offset 16.
  const cv::Mat scene = natural_scene(320, 256, 5);
  const auto png = encode(scene, ".png");
  const Image rgb = to_rgb_image(scene);
  EvalTransform eval;
  eval.normalization = kIdentity;
  const auto out = eval(png.data(), png.size(), "e");
  ASSERT_EQ(out.size(), 3u * 224 * 224);
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 224; ++y) {
      for (int x = 0; x < 224; ++x) {
        const float expected = rgb.row(y + 16)[(x + 48) * 3 + c] / 255.0f;
        ASSERT_NEAR(out[(c * 224 + y) * 224 + x], expected, 1e-6f) << c << " " << y << " " << x;
      }
    }
  }
}

TEST(EvalTransform, SmallGreyImagesForDemos) {
  // Fashion-MNIST sized: 28x28 grey, resized to 32 and taken whole.
  cv::Mat grey;
  cv::cvtColor(natural_scene(28, 28, 6), grey, cv::COLOR_BGR2GRAY);
  const auto png = encode(grey, ".png");
  EvalTransform eval;
  eval.resize_size = 32;
  eval.crop_size = 32;
  eval.normalization = kIdentity;
  const auto out = eval(png.data(), png.size(), "fmnist#0");
  ASSERT_EQ(out.size(), 3u * 32 * 32);
  for (int i = 0; i < 32 * 32; ++i) {
    ASSERT_EQ(out[i], out[32 * 32 + i]);
    ASSERT_EQ(out[i], out[2 * 32 * 32 + i]);
  }
}

TEST(EvalTransform, DctScaledDecodeIsCloseToFullResolution) {
  const auto big = encode(natural_scene(2000, 1500, 9), ".jpg");
  EvalTransform scaled;
  scaled.normalization = kIdentity;
  EvalTransform full = scaled;
  full.dct_scaling = false;
  EXPECT_GT(psnr_unit(scaled(big.data(), big.size(), "b"), full(big.data(), big.size(), "b")),
            35.0);
}

TEST(EvalTransform, DamagedRecordIsReported) {
  const auto jpeg = encode(natural_scene(400, 300), ".jpg");
  const EvalTransform eval;
  EXPECT_THROW(eval(jpeg.data(), jpeg.size() / 3, "cut"), Error);
  EvalTransform bad;
  bad.crop_size = 300;
  EXPECT_THROW(bad(jpeg.data(), jpeg.size(), "ok"), Error);
}

}  // namespace
}  // namespace ptk::vision
