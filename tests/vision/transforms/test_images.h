// Real encoded test pictures for the transform tests: a synthetic but photo-like scene (smooth
// gradients, hard edges, a little texture) encoded with OpenCV as JPEG or PNG, and the
// comparisons the tests use. Deterministic for a given seed.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "vision/transforms/image.h"

namespace ptk::vision::testing {

// width x height BGR scene; different seeds move the shapes and colours.
cv::Mat natural_scene(int width, int height, uint32_t seed = 1);

// `image` encoded with cv::imencode; `extension` is ".jpg" or ".png".
std::vector<uint8_t> encode(const cv::Mat& image, const std::string& extension, int quality = 92);

// A BGR image as a 4-component (YCCK) JPEG made by TurboJPEG from CMYK pixels in Adobe's inverted
// convention (255 = no ink), as Photoshop writes them and libjpeg/OpenCV read them back.
std::vector<uint8_t> encode_cmyk_jpeg(const cv::Mat& bgr, int quality = 92);

// A BGR or grey OpenCV image as an RGB Image.
Image to_rgb_image(const cv::Mat& image);

// Peak signal-to-noise ratio over all bytes of two equally sized images, in dB (infinity when
// identical).
double psnr(const Image& a, const Image& b);

}  // namespace ptk::vision::testing
