// Decoding real JPEG and PNG records: fidelity against OpenCV's decoder, DCT-scaled sizes and
// content, and damaged or non-image records reported as ptk::Error naming the record.
#include "vision/transforms/image_decoder.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <thread>

#include "common/base/error.h"
#include "tests/vision/transforms/test_images.h"

namespace ptk::vision {
namespace {

using testing::encode;
using testing::natural_scene;
using testing::psnr;
using testing::to_rgb_image;

Image opencv_decode(const std::vector<uint8_t>& bytes, int flags = cv::IMREAD_COLOR) {
  return to_rgb_image(cv::imdecode(bytes, flags));
}

// Expects decode_image to throw a ptk::Error that names the record.
void expect_reported(const uint8_t* data, size_t size, const std::string& name) {
  try {
    decode_image(data, size, name);
    FAIL() << name << ": decoded without an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

TEST(ImageDecoder, JpegAtFullScaleMatchesOpenCvDecode) {
  for (int quality : {90, 95}) {
    const auto bytes = encode(natural_scene(500, 375), ".jpg", quality);
    const Image ours = decode_image(bytes.data(), bytes.size(), "scene.jpg");
    ASSERT_EQ(ours.width, 500);
    ASSERT_EQ(ours.height, 375);
    EXPECT_GT(psnr(ours, opencv_decode(bytes)), 40.0) << "quality " << quality;
  }
}

TEST(ImageDecoder, PeekReadsFormatAndSizeFromTheHeader) {
  const cv::Mat scene = natural_scene(500, 375);
  const auto jpeg = encode(scene, ".jpg");
  const auto png = encode(scene, ".png");
  cv::Mat grey;
  cv::cvtColor(scene, grey, cv::COLOR_BGR2GRAY);
  const auto grey_jpeg = encode(grey, ".jpg");
  cv::Mat tall;
  cv::transpose(scene, tall);
  const auto tall_png = encode(tall, ".png");

  const ImageInfo a = peek_image(jpeg.data(), jpeg.size(), "a");
  EXPECT_EQ(a.format, ImageFormat::kJpeg);
  EXPECT_EQ(a.width, 500);
  EXPECT_EQ(a.height, 375);
  const ImageInfo b = peek_image(png.data(), png.size(), "b");
  EXPECT_EQ(b.format, ImageFormat::kPng);
  EXPECT_EQ(b.width, 500);
  EXPECT_EQ(b.height, 375);
  const ImageInfo c = peek_image(grey_jpeg.data(), grey_jpeg.size(), "c");
  EXPECT_EQ(c.format, ImageFormat::kJpeg);
  EXPECT_EQ(c.width, 500);
  const ImageInfo d = peek_image(tall_png.data(), tall_png.size(), "d");
  EXPECT_EQ(d.width, 375);
  EXPECT_EQ(d.height, 500);
  // Only the header is needed: a JPEG cut after its first kilobyte still peeks.
  const ImageInfo e = peek_image(jpeg.data(), 1024, "e");
  EXPECT_EQ(e.width, 500);
}

TEST(ImageDecoder, GreyscaleJpegIsExpandedToRgb) {
  cv::Mat grey;
  cv::cvtColor(natural_scene(320, 240), grey, cv::COLOR_BGR2GRAY);
  const auto bytes = encode(grey, ".jpg");
  const Image ours = decode_image(bytes.data(), bytes.size(), "grey.jpg");
  ASSERT_EQ(ours.pixels.size(), 320u * 240u * 3u);
  for (size_t i = 0; i < ours.pixels.size(); i += 3) {
    ASSERT_EQ(ours.pixels[i], ours.pixels[i + 1]);
    ASSERT_EQ(ours.pixels[i], ours.pixels[i + 2]);
  }
  EXPECT_GT(psnr(ours, opencv_decode(bytes, cv::IMREAD_GRAYSCALE)), 40.0);
}

TEST(ImageDecoder, PngDecodesLosslesslyAsRgb) {
  const cv::Mat scene = natural_scene(300, 200, 7);
  const auto bytes = encode(scene, ".png");
  const Image ours = decode_image(bytes.data(), bytes.size(), "scene.png");
  EXPECT_EQ(ours.pixels, to_rgb_image(scene).pixels);  // also checks the channel order
}

TEST(ImageDecoder, DctScalingPicksTheSmallestSufficientScale) {
  const auto bytes = encode(natural_scene(1000, 750), ".jpg");
  const Image full = decode_image(bytes.data(), bytes.size(), "big.jpg");
  struct Case {
    int min_width, min_height, expect_width, expect_height;
  };
  // libjpeg-turbo scales by n/8; the result is ceil(size * n / 8).
  const Case cases[] = {
      {1, 1, 125, 94},          // 1/8: anything asked for that is tiny
      {126, 0, 250, 188},       // 1/8 gives 125 < 126 -> 2/8
      {0, 200, 375, 282},       // 2/8 gives 188 < 200 -> 3/8
      {224, 224, 375, 282},     // a 224 crop of the whole picture
      {600, 300, 625, 469},     // 5/8
      {999, 1, 1000, 750},      // only full size is enough
      {5000, 5000, 1000, 750},  // never enlarged
  };
  for (const Case& c : cases) {
    const Image scaled =
        decode_image(bytes.data(), bytes.size(), "big.jpg", c.min_width, c.min_height);
    EXPECT_EQ(scaled.width, c.expect_width) << c.min_width << "x" << c.min_height;
    EXPECT_EQ(scaled.height, c.expect_height) << c.min_width << "x" << c.min_height;
    const int eighths = jpeg_scale_eighths(1000, 750, c.min_width, c.min_height);
    EXPECT_EQ((1000 * eighths + 7) / 8, scaled.width) << "the planned scale is the one decoded";
    // The scaled decode shows the same picture as a full decode shrunk to that size.
    cv::Mat full_mat(full.height, full.width, CV_8UC3, const_cast<uint8_t*>(full.pixels.data()));
    Image reference(scaled.width, scaled.height);
    cv::Mat reference_mat(reference.height, reference.width, CV_8UC3, reference.pixels.data());
    cv::resize(full_mat, reference_mat, reference_mat.size(), 0, 0, cv::INTER_AREA);
    EXPECT_GT(psnr(scaled, reference), 25.0) << scaled.width << "x" << scaled.height;
  }
}

TEST(ImageDecoder, TruncatedJpegIsReportedNotDecoded) {
  const auto bytes = encode(natural_scene(500, 375), ".jpg");
  for (size_t length :
       {size_t{1}, size_t{2}, size_t{10}, size_t{100}, size_t{600}, bytes.size() / 4,
        bytes.size() / 2, bytes.size() - 200, bytes.size() - 20}) {
    const std::string name = "shard-00003.h5#" + std::to_string(length);
    expect_reported(bytes.data(), length, name);
    // The scaled path reports it too.
    try {
      decode_image(bytes.data(), length, name, 64, 64);
      ADD_FAILURE() << name << ": scaled decode succeeded";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos);
    }
  }
}

TEST(ImageDecoder, NonImageRecordsAreReported) {
  std::mt19937 gen(3);
  std::vector<uint8_t> noise(5000);
  for (auto& b : noise) b = static_cast<uint8_t>(gen());
  expect_reported(noise.data(), noise.size(), "noise");
  const std::string text = "{\"caption\": \"not an image\"}";
  expect_reported(reinterpret_cast<const uint8_t*>(text.data()), text.size(), "text");
  expect_reported(nullptr, 0, "empty-null");
  expect_reported(noise.data(), 0, "empty");
  // A JPEG start-of-image marker followed by garbage.
  std::vector<uint8_t> fake_jpeg = {0xff, 0xd8, 0xff};
  fake_jpeg.insert(fake_jpeg.end(), noise.begin(), noise.end());
  expect_reported(fake_jpeg.data(), fake_jpeg.size(), "fake-jpeg");
  // A truncated PNG, and a PNG signature without a header.
  const auto png = encode(natural_scene(200, 100), ".png");
  expect_reported(png.data(), png.size() / 2, "half-png");
  EXPECT_THROW(peek_image(png.data(), 12, "png-signature-only"), Error);
  EXPECT_THROW(peek_image(noise.data(), noise.size(), "noise"), Error);
  EXPECT_THROW(peek_image(nullptr, 0, "empty"), Error);
}

TEST(ImageDecoder, CorruptedBytesEitherDecodeOrRaiseError) {
  // Bit rot inside a shard: whatever is damaged, the outcome is a picture of the header's size
  // or a ptk::Error, never a crash or another exception type.
  const auto jpeg = encode(natural_scene(240, 180), ".jpg");
  const auto png = encode(natural_scene(120, 90), ".png");
  std::mt19937 gen(21);
  int errors = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<uint8_t> bytes = trial % 2 == 0 ? jpeg : png;
    const int flips = 1 + static_cast<int>(gen() % 8);
    for (int f = 0; f < flips; ++f)
      bytes[gen() % bytes.size()] ^= static_cast<uint8_t>(1 + gen() % 255);
    const std::string name = "trial-" + std::to_string(trial);
    try {
      const Image image = decode_image(bytes.data(), bytes.size(), name, 60 * (trial % 3), 0);
      EXPECT_EQ(image.pixels.size(), static_cast<size_t>(image.width) * image.height * 3);
      EXPECT_FALSE(image.empty());
    } catch (const Error& e) {
      ++errors;
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(errors, 0);  // damage is noticed at least sometimes
  // A failure leaves nothing behind: this thread still decodes good records exactly.
  Image fresh;
  std::thread fresh_thread(
      [&] { fresh = decode_image(jpeg.data(), jpeg.size(), "fresh", 100, 0); });
  fresh_thread.join();
  EXPECT_EQ(decode_image(jpeg.data(), jpeg.size(), "after-damage", 100, 0).pixels, fresh.pixels);
  const Image after = decode_image(jpeg.data(), jpeg.size(), "after-damage");
  EXPECT_GT(psnr(after, opencv_decode(jpeg)), 40.0);
}

TEST(ImageDecoder, ConcurrentDecodesGiveTheSameResultAsOneThread) {
  const auto bytes = encode(natural_scene(640, 480), ".jpg");
  const std::vector<int> sizes = {0, 80, 160, 320, 480};
  std::vector<Image> expected;
  for (int s : sizes) expected.push_back(decode_image(bytes.data(), bytes.size(), "x", s, s));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10; ++round) {
        for (size_t i = 0; i < sizes.size(); ++i) {
          const size_t k = (i + t + round) % sizes.size();
          const Image image = decode_image(bytes.data(), bytes.size(), "x", sizes[k], sizes[k]);
          if (image.pixels != expected[k].pixels) ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace ptk::vision
