#include "demos/fashion_mnist.h"

#include <zlib.h>

#include "common/base/error.h"

namespace ptk::demo {
namespace {

std::vector<uint8_t> read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw Error("cannot open " + path + " (install dataset-fashion-mnist or set the directory)");
  }
  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  while (true) {
    const int n = gzread(file, buffer, sizeof(buffer));
    if (n < 0) {
      int code = 0;
      const std::string why = gzerror(file, &code);
      gzclose(file);
      throw Error("cannot decompress " + path + ": " + why);
    }
    if (n == 0) break;
    bytes.insert(bytes.end(), buffer, buffer + n);
  }
  gzclose(file);
  return bytes;
}

uint32_t big_endian(const std::vector<uint8_t>& bytes, size_t at) {
  return (uint32_t{bytes[at]} << 24) | (uint32_t{bytes[at + 1]} << 16) |
         (uint32_t{bytes[at + 2]} << 8) | uint32_t{bytes[at + 3]};
}

}  // namespace

FashionMnistSplit read_fashion_mnist(const std::string& dir, const std::string& split) {
  const std::string images_path = dir + "/" + split + "-images-idx3-ubyte.gz";
  const std::string labels_path = dir + "/" + split + "-labels-idx1-ubyte.gz";
  const auto images = read_gzip(images_path);
  const auto labels = read_gzip(labels_path);
  // IDX: magic 0x00000803 (unsigned byte, 3 dims) then the dims as big-endian uint32.
  if (images.size() < 16 || big_endian(images, 0) != 0x803) {
    throw Error(images_path + ": not an IDX image file (magic 0x00000803 expected)");
  }
  if (labels.size() < 8 || big_endian(labels, 0) != 0x801) {
    throw Error(labels_path + ": not an IDX label file (magic 0x00000801 expected)");
  }
  FashionMnistSplit out;
  out.count = big_endian(images, 4);
  out.rows = big_endian(images, 8);
  out.cols = big_endian(images, 12);
  if (images.size() != 16 + out.count * out.rows * out.cols) {
    throw Error(images_path + ": header says " + std::to_string(out.count) + " images of " +
                std::to_string(out.rows) + "x" + std::to_string(out.cols) + " but the file has " +
                std::to_string(images.size() - 16) + " pixel bytes (truncated?)");
  }
  if (big_endian(labels, 4) != out.count || labels.size() != 8 + out.count) {
    throw Error(labels_path + ": label count does not match the " + std::to_string(out.count) +
                " images of " + images_path);
  }
  out.pixels.assign(images.begin() + 16, images.end());
  out.labels.assign(labels.begin() + 8, labels.end());
  for (size_t i = 0; i < out.count; ++i) {
    if (out.labels[i] >= 10) {
      throw Error(labels_path + ": label " + std::to_string(out.labels[i]) + " of record " +
                  std::to_string(i) + " is not a class in [0, 10)");
    }
  }
  return out;
}

}  // namespace ptk::demo
