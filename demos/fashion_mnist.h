// Reads Fashion-MNIST from its gzipped IDX files (as Debian's dataset-fashion-mnist installs
// them), with zlib. Whole split in memory (60k x 28 x 28 = 47 MB at most). Errors name the
// file and what is wrong with its header or length.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ptk::demo {

constexpr char kDefaultFashionMnistDir[] = "/usr/share/datasets/fashion-mnist";

struct FashionMnistSplit {
  size_t count = 0;
  size_t rows = 0;
  size_t cols = 0;
  std::vector<uint8_t> pixels;  // count x rows x cols, row-major, 0 = black
  std::vector<uint8_t> labels;  // count, each in [0, 10)
  const uint8_t* image(size_t i) const { return pixels.data() + i * rows * cols; }
};

// `split` is "train" or "t10k": reads <dir>/<split>-images-idx3-ubyte.gz and
// <dir>/<split>-labels-idx1-ubyte.gz.
FashionMnistSplit read_fashion_mnist(const std::string& dir, const std::string& split);

}  // namespace ptk::demo
