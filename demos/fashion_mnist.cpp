#include "demos/fashion_mnist.h"

#include <zlib.h>

#include "common/base/error.h"

namespace ptk::demo {
namespace {

std::vector<uint8_t> read_gzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  fail_if(file == nullptr, "cannot open {} (install dataset-fashion-mnist or set the directory)",
          path);
  std::vector<uint8_t> bytes;
  uint8_t buffer[1 << 16];
  while (true) {
    const int n = gzread(file, buffer, sizeof(buffer));
    if (n < 0) {
      int code = 0;
      const std::string why = gzerror(file, &code);
      gzclose(file);
      throw error("cannot decompress {}: {}", path, why);
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
    throw error("{}: not an IDX image file (magic 0x00000803 expected)", images_path);
  }
  if (labels.size() < 8 || big_endian(labels, 0) != 0x801) {
    throw error("{}: not an IDX label file (magic 0x00000801 expected)", labels_path);
  }
  FashionMnistSplit out;
  out.count = big_endian(images, 4);
  out.rows = big_endian(images, 8);
  out.cols = big_endian(images, 12);
  if (images.size() != 16 + out.count * out.rows * out.cols) {
    throw error("{}: header says {} images of {}x{} but the file has {} pixel bytes (truncated?)",
                images_path, out.count, out.rows, out.cols, images.size() - 16);
  }
  if (big_endian(labels, 4) != out.count || labels.size() != 8 + out.count) {
    throw error("{}: label count does not match the {} images of {}", labels_path, out.count,
                images_path);
  }
  out.pixels.assign(images.begin() + 16, images.end());
  out.labels.assign(labels.begin() + 8, labels.end());
  for (size_t i = 0; i < out.count; ++i) {
    if (out.labels[i] >= 10) {
      throw error("{}: label {} of record {} is not a class in [0, 10)", labels_path,
                  static_cast<int>(out.labels[i]), i);
    }
  }
  return out;
}

}  // namespace ptk::demo
