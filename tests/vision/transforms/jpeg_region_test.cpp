// Decoding only a crop's region of a JPEG gives the crop's pixels of a full decode bit for bit,
// for every chroma subsampling, DCT scale and box position, and reports damaged data as a full
// decode does.
#include "vision/transforms/jpeg_region.h"

#include <gtest/gtest.h>

#include <turbojpeg.h>
#include <algorithm>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <vector>

#include "common/base/error.h"
#include "tests/vision/transforms/test_images.h"
#include "vision/transforms/image_decoder.h"

namespace ptk::vision {
namespace {

using testing::natural_scene;

// `image` (BGR or grey) encoded by TurboJPEG at quality 90 with the given TJSAMP_* subsampling,
// baseline or progressive.
std::vector<uint8_t> encode_jpeg(const cv::Mat& image, int subsampling, bool progressive = false) {
  const Image rgb = testing::to_rgb_image(image);
  tjhandle handle = tjInitCompress();
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const int status =
      tjCompress2(handle, rgb.pixels.data(), rgb.width, 0, rgb.height, TJPF_RGB, &buffer, &size,
                  subsampling, 90, progressive ? TJFLAG_PROGRESSIVE : 0);
  std::vector<uint8_t> bytes;
  if (status == 0) bytes.assign(buffer, buffer + size);
  tjFree(buffer);
  tjDestroy(handle);
  EXPECT_FALSE(bytes.empty()) << "tjCompress2 failed";
  return bytes;
}

// Compares the box of `region` with the same box of `full`, pixel by pixel.
void expect_box_equal(const Image& full, const JpegRegion& region, int x, int y, int width,
                      int height, const std::string& what) {
  ASSERT_GE(region.box_x, 0) << what;
  ASSERT_GE(region.box_y, 0) << what;
  ASSERT_LE(region.box_x + width, region.image.width) << what;
  ASSERT_LE(region.box_y + height, region.image.height) << what;
  for (int row = 0; row < height; ++row) {
    const uint8_t* a = full.row(y + row) + 3 * x;
    const uint8_t* b = region.image.row(region.box_y + row) + 3 * region.box_x;
    for (int i = 0; i < 3 * width; ++i) {
      if (a[i] != b[i]) {
        FAIL() << what << ": pixel (" << x + i / 3 << ", " << y + row << ") channel " << i % 3
               << " is " << int{b[i]} << ", full decode " << int{a[i]};
      }
    }
  }
}

struct Picture {
  const char* name;
  int width, height, subsampling;  // TJSAMP_*
  bool progressive = false;
};

void PrintTo(const Picture& picture, std::ostream* out) { *out << picture.name; }

class JpegRegionMatchesFullDecode : public ::testing::TestWithParam<Picture> {};

TEST_P(JpegRegionMatchesFullDecode, AtEveryScaleAndBox) {
  const Picture p = GetParam();
  const std::vector<uint8_t> bytes =
      encode_jpeg(natural_scene(p.width, p.height, 7), p.subsampling, p.progressive);
  std::mt19937 random(11);
  for (int eighths : {8, 7, 4, 3, 2, 1}) {
    const int width = jpeg_scaled_size(p.width, eighths);
    const int height = jpeg_scaled_size(p.height, eighths);
    const Image full = decode_image(bytes.data(), bytes.size(), p.name, width, height);
    ASSERT_EQ(full.width, width);
    ASSERT_EQ(full.height, height);
    for (int trial = 0; trial < 40; ++trial) {
      const int box_width = std::uniform_int_distribution<int>(1, width)(random);
      const int box_height = std::uniform_int_distribution<int>(1, height)(random);
      const int x = std::uniform_int_distribution<int>(0, width - box_width)(random);
      const int y = std::uniform_int_distribution<int>(0, height - box_height)(random);
      const auto region = decode_jpeg_region(bytes.data(), bytes.size(), p.name, eighths, x, y,
                                             box_width, box_height);
      ASSERT_TRUE(region.has_value()) << p.name;
      expect_box_equal(full, *region, x, y, box_width, box_height,
                       std::string(p.name) + " at " + std::to_string(eighths) + "/8, box " +
                           std::to_string(x) + "," + std::to_string(y) + " " +
                           std::to_string(box_width) + "x" + std::to_string(box_height));
      // A box well inside the picture is decoded with less than the whole width or height.
      if (x >= 48 || x + box_width + 48 <= width) EXPECT_LT(region->image.width, width);
      if (y >= 48 || y + box_height + 48 <= height) EXPECT_LT(region->image.height, height);
      if (HasFatalFailure() || HasFailure()) return;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Subsamplings, JpegRegionMatchesFullDecode,
                         ::testing::Values(Picture{"photo-420", 500, 375, TJSAMP_420},
                                           Picture{"odd-420", 173, 131, TJSAMP_420},
                                           Picture{"odd-422", 211, 97, TJSAMP_422},
                                           Picture{"odd-440", 97, 211, TJSAMP_440},
                                           Picture{"odd-444", 150, 149, TJSAMP_444},
                                           Picture{"odd-grey", 123, 77, TJSAMP_GRAY},
                                           Picture{"progressive-420", 301, 203, TJSAMP_420, true},
                                           Picture{"progressive-444", 150, 99, TJSAMP_444, true}),

                         [](const auto& info) {
                           std::string name = info.param.name;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(JpegRegion, TruncationAfterTheRegionIsStillReported) {
  const std::vector<uint8_t> bytes = encode_jpeg(natural_scene(500, 375, 3), TJSAMP_420);
  for (size_t length : {bytes.size() / 2, bytes.size() - 200, bytes.size() - 20}) {
    const std::string name = "shard-00001.h5#" + std::to_string(length);
    try {
      // A box in the top rows: the missing data lies entirely below it.
      decode_jpeg_region(bytes.data(), length, name, 8, 10, 0, 100, 40);
      ADD_FAILURE() << name << ": decoded without an error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("damaged or truncated"), std::string::npos) << e.what();
    }
  }
}

TEST(JpegRegion, CorruptedBytesEitherDecodeOrRaiseErrorNamingTheRecord) {
  // Bit rot anywhere (headers, tables, entropy data): libjpeg's fatal errors come back through
  // longjmp as a ptk::Error, its corrupt-data warnings too; never a crash.
  const std::vector<uint8_t> jpeg = encode_jpeg(natural_scene(240, 180, 9), TJSAMP_420);
  std::mt19937 random(5);
  int errors = 0;
  for (int trial = 0; trial < 300; ++trial) {
    std::vector<uint8_t> bytes = jpeg;
    const int flips = 1 + static_cast<int>(random() % 8);
    for (int f = 0; f < flips; ++f) {
      bytes[random() % bytes.size()] ^= static_cast<uint8_t>(1 + random() % 255);
    }
    const std::string name = "trial-" + std::to_string(trial);
    try {
      const auto region = decode_jpeg_region(bytes.data(), bytes.size(), name, 4, 20, 10, 60, 50);
      if (region) {
        EXPECT_EQ(region->image.pixels.size(),
                  static_cast<size_t>(region->image.width) * region->image.height * 3);
      }
    } catch (const Error& e) {
      ++errors;
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(errors, 0);
  // Nothing is left behind: a good record decodes exactly afterwards.
  const auto region = decode_jpeg_region(jpeg.data(), jpeg.size(), "good", 8, 0, 0, 240, 180);
  ASSERT_TRUE(region.has_value());
  EXPECT_EQ(region->image.pixels, decode_image(jpeg.data(), jpeg.size(), "good").pixels);
}

TEST(JpegRegion, OtherFormatsAndOutOfRangeBoxesAreLeftToTheFullDecode) {
  const cv::Mat scene = natural_scene(64, 48, 5);
  std::vector<uint8_t> png;
  cv::imencode(".png", scene, png);
  EXPECT_FALSE(decode_jpeg_region(png.data(), png.size(), "png", 8, 0, 0, 8, 8).has_value());
  const std::vector<uint8_t> jpeg = encode_jpeg(scene, TJSAMP_420);
  EXPECT_FALSE(decode_jpeg_region(jpeg.data(), jpeg.size(), "j", 8, 60, 0, 8, 8).has_value());
  EXPECT_FALSE(decode_jpeg_region(jpeg.data(), jpeg.size(), "j", 0, 0, 0, 8, 8).has_value());
  EXPECT_TRUE(decode_jpeg_region(jpeg.data(), jpeg.size(), "j", 8, 0, 0, 64, 48).has_value());
}

}  // namespace
}  // namespace ptk::vision
