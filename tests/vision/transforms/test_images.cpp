#include "tests/vision/transforms/test_images.h"

#include <turbojpeg.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <stdexcept>

namespace ptk::vision::testing {

cv::Mat natural_scene(int width, int height, uint32_t seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  cv::Mat scene(height, width, CV_8UC3);
  // Sky-like background: smooth gradients in both directions.
  const double phase = unit(gen) * 6.28;
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double u = static_cast<double>(x) / width;
      const double v = static_cast<double>(y) / height;
      scene.at<cv::Vec3b>(y, x) =
          cv::Vec3b(cv::saturate_cast<uchar>(200 - 120 * v + 20 * std::sin(6 * u + phase)),
                    cv::saturate_cast<uchar>(90 + 100 * u * v),
                    cv::saturate_cast<uchar>(60 + 150 * (1 - u) * v));
    }
  }
  // Objects with hard edges.
  const int scale = std::min(width, height);
  for (int i = 0; i < 6; ++i) {
    const cv::Point centre(static_cast<int>(unit(gen) * width),
                           static_cast<int>(unit(gen) * height));
    const cv::Scalar colour(unit(gen) * 255, unit(gen) * 255, unit(gen) * 255);
    if (i % 2 == 0) {
      cv::circle(scene, centre, std::max(2, static_cast<int>(unit(gen) * scale / 4)), colour,
                 cv::FILLED, cv::LINE_AA);
    } else {
      const cv::Point corner(centre.x + static_cast<int>(unit(gen) * width / 3),
                             centre.y + static_cast<int>(unit(gen) * height / 3));
      cv::rectangle(scene, centre, corner, colour, cv::FILLED);
    }
  }
  cv::line(scene, cv::Point(0, height / 3), cv::Point(width - 1, height / 2),
           cv::Scalar(20, 20, 20), std::max(1, scale / 100), cv::LINE_AA);
  // Fine texture, lightly smoothed, as camera noise and foliage would give.
  cv::Mat texture(height, width, CV_8UC3);
  cv::randn(texture, cv::Scalar(0, 0, 0), cv::Scalar(6, 6, 6));
  cv::GaussianBlur(texture, texture, cv::Size(3, 3), 0.8);
  cv::add(scene, texture, scene);
  return scene;
}

std::vector<uint8_t> encode(const cv::Mat& image, const std::string& extension, int quality) {
  std::vector<uint8_t> bytes;
  std::vector<int> params;
  if (extension == ".jpg") params = {cv::IMWRITE_JPEG_QUALITY, quality};
  if (!cv::imencode(extension, image, bytes, params)) {
    throw std::runtime_error("cv::imencode failed for " + extension);
  }
  return bytes;
}

std::vector<uint8_t> encode_cmyk_jpeg(const cv::Mat& bgr, int quality) {
  // Black generation by the brightest channel: K' = max(R,G,B), then C' = R/K' (inverted values).
  std::vector<uint8_t> cmyk(static_cast<size_t>(bgr.rows) * bgr.cols * 4);
  uint8_t* out = cmyk.data();
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x, out += 4) {
      const cv::Vec3b p = bgr.at<cv::Vec3b>(y, x);
      const int k = std::max({p[0], p[1], p[2], uchar{1}});
      out[0] = static_cast<uint8_t>(p[2] * 255 / k);
      out[1] = static_cast<uint8_t>(p[1] * 255 / k);
      out[2] = static_cast<uint8_t>(p[0] * 255 / k);
      out[3] = static_cast<uint8_t>(k);
    }
  }
  tjhandle handle = tjInitCompress();
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const int status = tjCompress2(handle, cmyk.data(), bgr.cols, 0, bgr.rows, TJPF_CMYK, &buffer,
                                 &size, TJSAMP_444, quality, 0);
  tjDestroy(handle);
  if (status != 0) {
    tjFree(buffer);
    throw std::runtime_error("tjCompress2 failed for a CMYK picture");
  }
  std::vector<uint8_t> bytes(buffer, buffer + size);
  tjFree(buffer);
  return bytes;
}

Image to_rgb_image(const cv::Mat& image) {
  Image rgb(image.cols, image.rows);
  cv::Mat view(image.rows, image.cols, CV_8UC3, rgb.pixels.data());
  cv::cvtColor(image, view, image.channels() == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
  return rgb;
}

double psnr(const Image& a, const Image& b) {
  if (a.width != b.width || a.height != b.height) {
    throw std::runtime_error("psnr: images differ in size");
  }
  double squared = 0;
  for (size_t i = 0; i < a.pixels.size(); ++i) {
    const double d = static_cast<double>(a.pixels[i]) - b.pixels[i];
    squared += d * d;
  }
  if (squared == 0) return std::numeric_limits<double>::infinity();
  const double mse = squared / static_cast<double>(a.pixels.size());
  return 10 * std::log10(255.0 * 255.0 / mse);
}

}  // namespace ptk::vision::testing
