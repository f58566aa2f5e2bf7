// Pictures for the dedup tests: distinct photo-like scenes (tests/vision/transforms/
// test_images.h) and the kinds of copies web-scale image sets hold of a picture.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "tests/vision/transforms/test_images.h"

namespace ptk::vision::testing {

enum class CopyKind {
  kSame,
  kJpeg30,
  kHalfSize,
  kDoubleSize,
  kBrighter,
  kLowerContrast,
  kGreyscale,
  kMirrored,
  kCrop90,
  kCrop80
};

// Centre crops: what only a network that learnt to ignore framing finds.
inline bool is_crop(CopyKind kind) {
  return kind == CopyKind::kCrop90 || kind == CopyKind::kCrop80;
}

inline const std::vector<std::pair<CopyKind, std::string>>& copy_kinds() {
  static const std::vector<std::pair<CopyKind, std::string>> kinds = {
      {CopyKind::kSame, "same"},           {CopyKind::kJpeg30, "jpeg q30"},
      {CopyKind::kHalfSize, "0.5x"},       {CopyKind::kDoubleSize, "2x"},
      {CopyKind::kBrighter, "+25 bright"}, {CopyKind::kLowerContrast, "0.8 contrast"},
      {CopyKind::kGreyscale, "grey"},      {CopyKind::kMirrored, "mirrored"},
      {CopyKind::kCrop90, "90% crop"},     {CopyKind::kCrop80, "80% crop"}};
  return kinds;
}

// The encoded (JPEG) copy of `scene` of the given kind.
inline std::vector<uint8_t> copy_of(const cv::Mat& scene, CopyKind kind) {
  cv::Mat out;
  int quality = 90;
  switch (kind) {
    case CopyKind::kSame:
      out = scene;
      break;
    case CopyKind::kJpeg30:
      out = scene;
      quality = 30;
      break;
    case CopyKind::kHalfSize:
      cv::resize(scene, out, cv::Size(), 0.5, 0.5, cv::INTER_AREA);
      break;
    case CopyKind::kDoubleSize:
      cv::resize(scene, out, cv::Size(), 2.0, 2.0, cv::INTER_LINEAR);
      break;
    case CopyKind::kBrighter:
      scene.convertTo(out, -1, 1.0, 25.0);
      break;
    case CopyKind::kLowerContrast:
      scene.convertTo(out, -1, 0.8, 25.0);
      break;
    case CopyKind::kGreyscale: {
      cv::Mat grey;
      cv::cvtColor(scene, grey, cv::COLOR_BGR2GRAY);
      cv::cvtColor(grey, out, cv::COLOR_GRAY2BGR);
      break;
    }
    case CopyKind::kMirrored:
      cv::flip(scene, out, 1);
      break;
    case CopyKind::kCrop90:
    case CopyKind::kCrop80: {
      const int tenths = kind == CopyKind::kCrop90 ? 9 : 8;
      const int w = scene.cols * tenths / 10, h = scene.rows * tenths / 10;
      out = scene(cv::Rect((scene.cols - w) / 2, (scene.rows - h) / 2, w, h)).clone();
      break;
    }
  }
  return encode(out, ".jpg", quality);
}

}  // namespace ptk::vision::testing
