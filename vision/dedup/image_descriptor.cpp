#include "vision/dedup/image_descriptor.h"

#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace ptk::vision {
namespace {

constexpr int kThumbnailSide = 32;
constexpr int kFrequencies = 16;  // per axis, DC included
// A picture with more than this share of its variation in the frequencies u + v <= 2 is a plain
// gradient: among the 320x240 cells of camera photographs in tests/vision/dedup, cells of sky
// and blurred background matched each other at >= 0.97 with no detail to tell them apart; at
// 0.95 none of the distinct cells is flagged and a tenth of the cells count as featureless.
constexpr int kCoarseFrequencies = 2;
constexpr double kFeaturelessShare = 0.95;

}  // namespace

std::vector<float> image_descriptor(const Image& image) {
  const cv::Mat rgb(image.height, image.width, CV_8UC3, const_cast<uint8_t*>(image.pixels.data()));
  cv::Mat grey;
  cv::cvtColor(rgb, grey, cv::COLOR_RGB2GRAY);
  cv::Mat thumbnail;
  // Area interpolation averages every source pixel, so a downscale does not alias.
  cv::resize(grey, thumbnail, cv::Size(kThumbnailSide, kThumbnailSide), 0, 0, cv::INTER_AREA);
  cv::Mat pixels;
  thumbnail.convertTo(pixels, CV_32F);
  cv::Mat frequencies;
  cv::dct(pixels, frequencies);
  std::vector<float> descriptor;
  descriptor.reserve(kImageDescriptorSize);
  double squares = 0;
  double coarse = 0;  // of the lowest frequencies: the picture's overall gradient
  for (int v = 0; v < kFrequencies; ++v) {
    for (int u = 0; u < kFrequencies; ++u) {
      if (u == 0 && v == 0) continue;  // the mean brightness
      const float value = frequencies.at<float>(v, u);
      descriptor.push_back(value);
      squares += static_cast<double>(value) * value;
      if (u + v <= kCoarseFrequencies) coarse += static_cast<double>(value) * value;
    }
  }
  const double norm = std::sqrt(squares);
  // Flat up to rounding, or a plain gradient (sky, an out-of-focus background): the direction
  // says nothing that other such pictures would not share.
  constexpr double kFlat = 1e-3;
  const bool featureless = norm <= kFlat || coarse > kFeaturelessShare * squares;
  for (float& value : descriptor) value = featureless ? 0.0f : static_cast<float>(value / norm);
  return descriptor;
}

std::vector<float> flipped_descriptor(const std::vector<float>& descriptor) {
  std::vector<float> flipped = descriptor;
  size_t i = 0;
  for (int v = 0; v < kFrequencies; ++v) {
    for (int u = 0; u < kFrequencies; ++u) {
      if (u == 0 && v == 0) continue;
      if (u % 2 == 1) flipped[i] = -flipped[i];  // cos(pi u (x + 1/2) / N) is odd about the centre
      ++i;
    }
  }
  return flipped;
}

}  // namespace ptk::vision
