// Preparing image records for training: originals kept byte for byte but validated, large images
// shrunk to the shorter-side limit as 4:2:0 JPEGs, every non-plain input (PNG, alpha, grey,
// CMYK, WebP, EXIF-rotated) turned into an upright RGB JPEG, and bad records reported by name.
#include "vision/transforms/image_recoder.h"

#include <gtest/gtest.h>
#include <turbojpeg.h>

#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <thread>

#include "common/base/error.h"
#include "tests/vision/transforms/test_images.h"
#include "vision/transforms/image_decoder.h"

namespace ptk::vision {
namespace {

using testing::encode;
using testing::encode_cmyk_jpeg;
using testing::natural_scene;
using testing::psnr;
using testing::to_rgb_image;

using Bytes = std::vector<uint8_t>;

RecodedImage recode(const Bytes& bytes, int resize_shorter, int quality = 90) {
  RecodeOptions options;
  options.resize_shorter = resize_shorter;
  options.jpeg_quality = quality;
  return recode_for_training(bytes, options, "record.jpg");
}

Image decode(const Bytes& bytes) { return decode_image(bytes.data(), bytes.size(), "output"); }

struct JpegLayout {
  int width = 0;
  int height = 0;
  int subsampling = -1;
  int colorspace = -1;
};

JpegLayout jpeg_layout(const Bytes& bytes) {
  JpegLayout layout;
  tjhandle handle = tjInitDecompress();
  const int status =
      tjDecompressHeader3(handle, bytes.data(), static_cast<unsigned long>(bytes.size()),
                          &layout.width, &layout.height, &layout.subsampling, &layout.colorspace);
  tjDestroy(handle);
  EXPECT_EQ(status, 0) << "output is not a JPEG";
  return layout;
}

double mean_abs_diff(const Image& a, const Image& b) {
  EXPECT_EQ(a.width, b.width);
  EXPECT_EQ(a.height, b.height);
  double sum = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) sum += std::abs(int{a.pixels[i]} - b.pixels[i]);
  return sum / static_cast<double>(a.pixels.size());
}

// The mean RGB of a size x size patch whose corner is `inset` pixels from the given corner.
cv::Vec3d corner_colour(const Image& image, bool right, bool bottom, int size = 8, int inset = 4) {
  const int x0 = right ? image.width - inset - size : inset;
  const int y0 = bottom ? image.height - inset - size : inset;
  cv::Vec3d sum(0, 0, 0);
  for (int y = y0; y < y0 + size; ++y) {
    for (int x = x0; x < x0 + size; ++x) {
      for (int c = 0; c < 3; ++c) sum[c] += image.row(y)[3 * x + c];
    }
  }
  return sum / double(size * size);
}

// An RGB JPEG whose own pixels are plain YCbCr, as a rewritten record must be.
void expect_rgb_jpeg(const RecodedImage& result, int width, int height) {
  EXPECT_TRUE(result.recoded);
  EXPECT_EQ(result.width, width);
  EXPECT_EQ(result.height, height);
  const JpegLayout layout = jpeg_layout(result.bytes);
  EXPECT_EQ(layout.width, width);
  EXPECT_EQ(layout.height, height);
  EXPECT_EQ(layout.colorspace, TJCS_YCbCr);
  EXPECT_EQ(layout.subsampling, TJSAMP_420);
}

void expect_error_naming(const Bytes& bytes, int resize_shorter, const std::string& name) {
  RecodeOptions options;
  options.resize_shorter = resize_shorter;
  try {
    recode_for_training(bytes, options, name);
    FAIL() << name << ": accepted without an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
  }
}

// An APP1 "Exif" segment whose TIFF block holds IFD0 with one entry, Orientation (0x0112, SHORT,
// count 1), in either byte order; inserted right after SOI.
Bytes exif_tiff(int orientation, bool big_endian) {
  auto u16 = [&](int v) {
    return big_endian ? Bytes{uint8_t(v >> 8), uint8_t(v)} : Bytes{uint8_t(v), uint8_t(v >> 8)};
  };
  auto u32 = [&](uint32_t v) {
    const Bytes high = u16(int(v >> 16)), low = u16(int(v & 0xffff));
    Bytes out = big_endian ? high : low;
    const Bytes& rest = big_endian ? low : high;
    out.insert(out.end(), rest.begin(), rest.end());
    return out;
  };
  Bytes tiff = big_endian ? Bytes{'M', 'M'} : Bytes{'I', 'I'};
  for (const Bytes& part :
       {u16(42), u32(8), u16(1), u16(0x0112), u16(3), u32(1), u16(orientation), u16(0), u32(0)}) {
    tiff.insert(tiff.end(), part.begin(), part.end());
  }
  return tiff;
}

Bytes with_app1_exif(const Bytes& jpeg, const Bytes& tiff) {
  const size_t length = 2 + 6 + tiff.size();
  Bytes out = {0xff, 0xd8, 0xff, 0xe1, uint8_t(length >> 8), uint8_t(length), 'E', 'x',
               'i',  'f',  0,    0};
  out.insert(out.end(), tiff.begin(), tiff.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

// 400x300 mid grey with a red square in the top-left and a green one in the top-right corner:
// where the two end up says which of the eight orientations was applied.
Bytes marked_jpeg() {
  cv::Mat bgr(300, 400, CV_8UC3, cv::Scalar(128, 128, 128));
  cv::rectangle(bgr, cv::Rect(0, 0, 40, 40), cv::Scalar(0, 0, 255), cv::FILLED);
  cv::rectangle(bgr, cv::Rect(360, 0, 40, 40), cv::Scalar(0, 255, 0), cv::FILLED);
  return encode(bgr, ".jpg", 95);
}

bool is_red(const cv::Vec3d& c) { return c[0] > 200 && c[1] < 60 && c[2] < 60; }
bool is_green(const cv::Vec3d& c) { return c[1] > 200 && c[0] < 60 && c[2] < 60; }

TEST(ImageRecoder, KeepingOriginalsReturnsJpegAndPngByteIdentical) {
  const cv::Mat scene = natural_scene(640, 480);
  for (const char* extension : {".jpg", ".png"}) {
    const Bytes bytes = encode(scene, extension);
    const RecodedImage result = recode(bytes, 0);
    EXPECT_FALSE(result.recoded) << extension;
    EXPECT_EQ(result.bytes, bytes) << extension;
    EXPECT_EQ(result.width, 640) << extension;
    EXPECT_EQ(result.height, 480) << extension;
  }
}

TEST(ImageRecoder, TruncatedJpegIsAnErrorNamingTheRecordAlthoughOnlyDecodedAtOneEighth) {
  for (const bool progressive : {false, true}) {
    Bytes bytes;
    cv::imencode(".jpg", natural_scene(640, 480), bytes,
                 {cv::IMWRITE_JPEG_QUALITY, 90, cv::IMWRITE_JPEG_PROGRESSIVE, progressive});
    bytes.resize(bytes.size() * 6 / 10);
    for (const int resize_shorter : {0, 256, 1000}) {
      expect_error_naming(bytes, resize_shorter, progressive ? "cut_progressive.jpg" : "cut.jpg");
    }
  }
}

TEST(ImageRecoder, GarbageAndEmptyRecordsAreErrorsNamingTheRecord) {
  Bytes garbage(5000);
  for (size_t i = 0; i < garbage.size(); ++i) garbage[i] = uint8_t(i * 7919 % 251);
  Bytes jpeg_signature_then_garbage = garbage;
  jpeg_signature_then_garbage[0] = 0xff, jpeg_signature_then_garbage[1] = 0xd8;
  jpeg_signature_then_garbage[2] = 0xff;
  for (const int resize_shorter : {0, 256}) {
    expect_error_naming(garbage, resize_shorter, "garbage.bin");
    expect_error_naming(jpeg_signature_then_garbage, resize_shorter, "fake.jpg");
    expect_error_naming({}, resize_shorter, "empty.jpg");
  }
}

TEST(ImageRecoder, LargeJpegIsShrunkToTheLimitWithAreaInterpolation) {
  const Bytes bytes = encode(natural_scene(640, 480), ".jpg", 95);
  const RecodedImage result = recode(bytes, 256);
  // 640 * 256 / 480 = 341.3 -> 341.
  expect_rgb_jpeg(result, 341, 256);

  cv::Mat reference;
  const Image full = decode(bytes);
  cv::resize(cv::Mat(full.height, full.width, CV_8UC3, const_cast<uint8_t*>(full.pixels.data())),
             reference, cv::Size(341, 256), 0, 0, cv::INTER_AREA);
  // Against a full-size decode + INTER_AREA the output differs by the 5/8 DCT-scaled decode and
  // the quality-90 re-encode (measured together: 1.3 grey levels on this smooth scene). Swapped
  // channels give ~50, a wrong size or crop fails outright; the interpolation itself is checked
  // on fine stripes below, where this smooth scene cannot tell methods apart (nearest: 1.9).
  const Image ours = decode(result.bytes);
  Image expected(341, 256);
  std::copy(reference.datastart, reference.dataend, expected.pixels.begin());
  EXPECT_LT(mean_abs_diff(ours, expected), 2.5);
}

TEST(ImageRecoder, FineStripesAreAveragedNotAliased) {
  // 1-pixel black/white stripes shrunk by 1.875 must become a nearly even grey (each output pixel
  // covers 1.875 stripes, so a ripple remains). Measured standard deviation of the output from a
  // PNG (area interpolation alone): 8, against 73 for bilinear, 89 for bicubic and 127 for nearest
  // neighbour. From a JPEG: 20, as the 5/8 DCT-scaled decode leaves some ripple of its own.
  for (const bool vertical : {true, false}) {
    cv::Mat stripes(480, 640, CV_8UC3, cv::Scalar(0, 0, 0));
    for (int i = 0; i < (vertical ? 640 : 480); i += 2) {
      (vertical ? stripes.col(i) : stripes.row(i)).setTo(cv::Scalar(255, 255, 255));
    }
    for (const auto& [extension, max_deviation] : {std::pair{".png", 15.0}, {".jpg", 30.0}}) {
      SCOPED_TRACE(std::string(vertical ? "vertical " : "horizontal ") + extension);
      const Image image = decode(recode(encode(stripes, extension, 95), 256).bytes);
      cv::Scalar mean, deviation;
      cv::meanStdDev(
          cv::Mat(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data())),
          mean, deviation);
      EXPECT_NEAR(mean[0], 127.5, 3);
      EXPECT_LT(deviation[0], max_deviation);
    }
  }
}

TEST(ImageRecoder, PlainJpegWithinTheLimitIsStoredUnchanged) {
  for (const bool progressive : {false, true}) {
    Bytes bytes;
    cv::imencode(".jpg", natural_scene(200, 150), bytes,
                 {cv::IMWRITE_JPEG_QUALITY, 90, cv::IMWRITE_JPEG_PROGRESSIVE, progressive});
    const RecodedImage result = recode(bytes, 256);
    EXPECT_FALSE(result.recoded);
    EXPECT_EQ(result.bytes, bytes);
    EXPECT_EQ(result.width, 200);
    EXPECT_EQ(result.height, 150);
  }
  // Exactly at the limit is within it.
  const Bytes square = encode(natural_scene(256, 256), ".jpg");
  EXPECT_EQ(recode(square, 256).bytes, square);
}

TEST(ImageRecoder, PortraitKeepsItsAspectRatioRoundedToNearest) {
  // 800 * 256 / 300 = 682.7 -> 683.
  expect_rgb_jpeg(recode(encode(natural_scene(300, 800), ".jpg"), 256), 256, 683);
  // Non-JPEG sources take the same sizes: 1000 * 100 / 333 = 300.3 -> 300.
  expect_rgb_jpeg(recode(encode(natural_scene(1000, 333), ".png"), 100), 300, 100);
}

TEST(ImageRecoder, PngWithAlphaBecomesJpegCompositedOnWhite) {
  cv::Mat bgra(120, 160, CV_8UC4, cv::Scalar(200, 40, 40, 255));
  bgra(cv::Rect(0, 0, 80, 120)).setTo(cv::Scalar(0, 0, 0, 0));  // left half fully transparent
  const RecodedImage result = recode(encode(bgra, ".png"), 256);
  expect_rgb_jpeg(result, 160, 120);
  const Image image = decode(result.bytes);
  const cv::Vec3d left = corner_colour(image, false, false);
  const cv::Vec3d right = corner_colour(image, true, true);
  for (int c = 0; c < 3; ++c) EXPECT_GT(left[c], 250) << "transparent area is white";
  EXPECT_NEAR(right[0], 40, 6);  // opaque area keeps its colour (R G B = 40 40 200)
  EXPECT_NEAR(right[2], 200, 6);
}

TEST(ImageRecoder, GreyscaleAndCmykJpegsWithinTheLimitBecomeYCbCrJpegs) {
  const cv::Mat scene = natural_scene(200, 150);
  cv::Mat grey;
  cv::cvtColor(scene, grey, cv::COLOR_BGR2GRAY);
  const Bytes grey_jpeg = encode(grey, ".jpg");
  ASSERT_EQ(jpeg_layout(grey_jpeg).colorspace, TJCS_GRAY);
  const Bytes cmyk_jpeg = encode_cmyk_jpeg(scene);
  ASSERT_EQ(jpeg_layout(cmyk_jpeg).colorspace, TJCS_YCCK);

  const RecodedImage from_grey = recode(grey_jpeg, 256);
  expect_rgb_jpeg(from_grey, 200, 150);
  EXPECT_GT(psnr(decode(from_grey.bytes), to_rgb_image(grey)), 35.0);
  const RecodedImage from_cmyk = recode(cmyk_jpeg, 256);
  expect_rgb_jpeg(from_cmyk, 200, 150);
  EXPECT_GT(psnr(decode(from_cmyk.bytes), to_rgb_image(scene)), 28.0);
}

TEST(ImageRecoder, WebpBmpTiffAnd16BitPngBecomeJpegs) {
  const cv::Mat scene = natural_scene(320, 240);
  cv::Mat deep;
  scene.convertTo(deep, CV_16U, 257);
  std::vector<std::pair<std::string, Bytes>> inputs = {{".bmp", encode(scene, ".bmp")},
                                                       {".tiff", encode(scene, ".tiff")},
                                                       {"16-bit .png", encode(deep, ".png")}};
  // Debian's OpenCV writes WebP; a build without it still covers the other formats.
  if (cv::haveImageWriter(".webp")) inputs.push_back({".webp", encode(scene, ".webp")});
  for (const auto& [what, bytes] : inputs) {
    const RecodedImage result = recode(bytes, 200);  // 320 * 200 / 240 = 266.7 -> 267
    expect_rgb_jpeg(result, 267, 200);
    EXPECT_EQ(recode(bytes, 0).bytes, bytes) << what << " kept when originals are kept";
  }
  EXPECT_TRUE(cv::haveImageWriter(".webp")) << "WebP not covered: this OpenCV cannot write it";
}

TEST(ImageRecoder, ExifOrientationIsAppliedInBothByteOrders) {
  // Where the stored top-left (red) and top-right (green) corners are displayed, per orientation:
  // {red right, red bottom, green right, green bottom}.
  const bool corners[9][4] = {{},
                              {false, false, true, false},   // 1 as stored
                              {true, false, false, false},   // 2 mirrored
                              {true, true, false, true},     // 3 rotated 180
                              {false, true, true, true},     // 4 flipped
                              {false, false, false, true},   // 5 transposed
                              {true, false, true, true},     // 6 rotated 90 clockwise
                              {true, true, true, false},     // 7 transversed
                              {false, true, false, false}};  // 8 rotated 90 anticlockwise
  const Bytes jpeg = marked_jpeg();
  for (const bool big_endian : {false, true}) {
    for (int orientation = 1; orientation <= 8; ++orientation) {
      SCOPED_TRACE("orientation " + std::to_string(orientation) + (big_endian ? " MM" : " II"));
      const Bytes rotated = with_app1_exif(jpeg, exif_tiff(orientation, big_endian));
      ASSERT_EQ(jpeg_exif_orientation(rotated.data(), rotated.size()), orientation);
      const RecodedImage result = recode(rotated, 256);
      if (orientation >= 5) {
        expect_rgb_jpeg(result, 256, 341);
      } else {
        expect_rgb_jpeg(result, 341, 256);
      }
      const Image image = decode(result.bytes);
      const bool* where = corners[orientation];
      EXPECT_TRUE(is_red(corner_colour(image, where[0], where[1])));
      EXPECT_TRUE(is_green(corner_colour(image, where[2], where[3])));
    }
  }
}

TEST(ImageRecoder, RotatedJpegWithinTheLimitIsRewrittenUpright) {
  const Bytes rotated = with_app1_exif(marked_jpeg(), exif_tiff(6, false));
  expect_rgb_jpeg(recode(rotated, 512), 300, 400);
  EXPECT_EQ(recode(rotated, 0).bytes, rotated) << "originals are kept as stored";
}

TEST(ImageRecoder, MalformedExifMeansUpright) {
  const Bytes jpeg = marked_jpeg();
  const Bytes tiff = exif_tiff(6, true);
  // Every truncation of the TIFF block inside a well-formed segment.
  for (size_t cut = 0; cut < tiff.size(); ++cut) {
    const Bytes bytes = with_app1_exif(jpeg, Bytes(tiff.begin(), tiff.begin() + cut));
    const int orientation = jpeg_exif_orientation(bytes.data(), bytes.size());
    // The last 4 bytes (next-IFD offset) are not needed to read the entry.
    EXPECT_EQ(orientation, cut >= tiff.size() - 4 ? 6 : 1) << "cut at " << cut;
    if (orientation == 1) expect_rgb_jpeg(recode(bytes, 256), 341, 256);
  }
  // Corrupt fields: byte order, magic, IFD offset past the end, entry count past the end,
  // wrong type, out-of-range value.
  for (const auto& [at, value] : std::vector<std::pair<size_t, uint8_t>>{
           {0, 'X'}, {3, 43}, {4, 0xff}, {8, 0xff}, {13, 4}, {19, 9}}) {
    Bytes broken = tiff;
    broken[at] = value;
    const Bytes bytes = with_app1_exif(jpeg, broken);
    EXPECT_EQ(jpeg_exif_orientation(bytes.data(), bytes.size()), 1) << "byte " << at;
  }
  // Every prefix of the whole file, and a segment length running past the end.
  const Bytes rotated = with_app1_exif(jpeg, tiff);
  const size_t segment_end = 2 + 4 + 6 + tiff.size();  // SOI, marker + length, "Exif\0\0", TIFF
  for (size_t size = 0; size < segment_end + 8; ++size) {
    EXPECT_EQ(jpeg_exif_orientation(rotated.data(), size), size >= segment_end ? 6 : 1) << size;
  }
  Bytes overlong = rotated;
  overlong[4] = 0xff;
  EXPECT_EQ(jpeg_exif_orientation(overlong.data(), overlong.size()), 1);
}

TEST(ImageRecoder, LowerQualityGivesASmallerFile) {
  const Bytes bytes = encode(natural_scene(640, 480), ".png");
  EXPECT_LT(recode(bytes, 256, 50).bytes.size(), recode(bytes, 256, 95).bytes.size());
}

TEST(ImageRecoder, ConcurrentCallsGiveTheSameBytesAsOneThread) {
  const std::vector<Bytes> inputs = {encode(natural_scene(640, 480, 1), ".jpg"),
                                     encode(natural_scene(480, 640, 2), ".png"),
                                     with_app1_exif(marked_jpeg(), exif_tiff(8, false))};
  std::vector<Bytes> expected;
  for (const Bytes& input : inputs) expected.push_back(recode(input, 224).bytes);
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) {
        for (size_t i = 0; i < inputs.size(); ++i) {
          mismatches[t] += recode(inputs[i], 224).bytes != expected[i];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST(ImageRecoder, InvalidOptionsAreUsageErrors) {
  const Bytes bytes = encode(natural_scene(64, 48), ".jpg");
  RecodeOptions options;
  options.jpeg_quality = 0;
  EXPECT_THROW(recode_for_training(bytes, options, "a.jpg"), Error);
  options = RecodeOptions();
  options.resize_shorter = -1;
  EXPECT_THROW(recode_for_training(bytes, options, "a.jpg"), Error);
}

}  // namespace
}  // namespace ptk::vision
