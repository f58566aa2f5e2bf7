// Image: a decoded picture as 8-bit RGB, rows top to bottom, pixels interleaved (HWC), no row
// padding. The unit every decode and augmentation step passes along; a plain value type, safe
// to move between threads, never shared mutably.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ptk::vision {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> pixels;  // height * width * 3 bytes, R G B

  Image() = default;
  Image(int w, int h) : width(w), height(h), pixels(static_cast<size_t>(w) * h * 3) {}

  bool empty() const { return width == 0 || height == 0; }
  uint8_t* row(int y) { return pixels.data() + static_cast<size_t>(y) * width * 3; }
  const uint8_t* row(int y) const { return pixels.data() + static_cast<size_t>(y) * width * 3; }
};

}  // namespace ptk::vision
