#include "vision/transforms/image_decoder.h"

#include <fmt/format.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "common/base/enum_names.h"
#include "common/base/error.h"
#include "vision/transforms/decode_errors.h"
#include "vision/transforms/turbojpeg_thread.h"

namespace ptk::vision {
namespace {

constexpr uint8_t kPngSignature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

// The scale numerators n (of n/8) this libjpeg-turbo offers that do not enlarge, ascending.
const std::vector<int>& available_eighths() {
  static const std::vector<int> eighths = [] {
    std::vector<int> result;
    int count = 0;
    const tjscalingfactor* factors = tjGetScalingFactors(&count);
    for (int i = 0; factors != nullptr && i < count; ++i) {
      const int num = factors[i].num;
      const int denom = factors[i].denom;
      if (num <= 0 || num > denom || 8 % denom != 0) continue;
      result.push_back(num * (8 / denom));
    }
    if (std::find(result.begin(), result.end(), 8) == result.end()) result.push_back(8);
    std::sort(result.begin(), result.end());
    result.erase(std::unique(result.begin(), result.end()), result.end());
    return result;
  }();
  return eighths;
}

uint32_t read_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

Image decode_with_opencv(const uint8_t* data, size_t size, const std::string& record_name) {
  cv::Mat decoded;
  try {
    // cv::imdecode does not write to its input; the Mat header only wraps the bytes.
    const cv::Mat raw(1, static_cast<int>(size), CV_8UC1, const_cast<uint8_t*>(data));
    decoded = cv::imdecode(raw, cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  } catch (const cv::Exception& e) {
    throw image_record_error(record_name, std::string("OpenCV could not decode it: ") + e.what());
  }
  if (decoded.empty() || decoded.type() != CV_8UC3) {
    throw image_record_error(
        record_name, fmt::format("not a readable image (OpenCV imdecode failed; {} bytes)", size));
  }
  Image image(decoded.cols, decoded.rows);
  cv::Mat rgb(image.height, image.width, CV_8UC3, image.pixels.data());
  cv::cvtColor(decoded, rgb, cv::COLOR_BGR2RGB);
  return image;
}

}  // namespace

ImageFormat sniff_image_format(const uint8_t* data, size_t size) {
  if (data == nullptr) return ImageFormat::kOther;
  if (size >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff) return ImageFormat::kJpeg;
  if (size >= 8 && std::memcmp(data, kPngSignature, 8) == 0) return ImageFormat::kPng;
  return ImageFormat::kOther;
}

const char* format_name(ImageFormat format) {
  static constexpr EnumName<ImageFormat> kNames[] = {
      {ImageFormat::kJpeg, "JPEG"}, {ImageFormat::kPng, "PNG"}, {ImageFormat::kOther, "other"}};
  return name_of(kNames, format);
}

int jpeg_scaled_size(int dimension, int eighths) { return (dimension * eighths + 7) / 8; }

int jpeg_scale_eighths(int width, int height, int min_width, int min_height) {
  if (min_width <= 0 && min_height <= 0) return 8;
  for (int eighths : available_eighths()) {
    if (jpeg_scaled_size(width, eighths) >= min_width &&
        jpeg_scaled_size(height, eighths) >= min_height) {
      return eighths;
    }
  }
  return 8;
}

ImageInfo peek_image(const uint8_t* data, size_t size, const std::string& record_name) {
  if (data == nullptr || size == 0) throw image_record_error(record_name, "empty record (0 bytes)");
  ImageInfo info;
  info.format = sniff_image_format(data, size);
  if (info.format == ImageFormat::kJpeg) {
    const JpegHeader header = read_jpeg_header(data, size, record_name);
    info.width = header.width;
    info.height = header.height;
    return info;
  }
  if (info.format == ImageFormat::kPng) {
    // Signature, then the IHDR chunk: length (4), type "IHDR" (4), width (4), height (4).
    if (size < 24 || std::memcmp(data + 12, "IHDR", 4) != 0) {
      throw image_record_error(record_name,
                               fmt::format("PNG without an IHDR header ({} bytes)", size));
    }
    const uint32_t width = read_be32(data + 16);
    const uint32_t height = read_be32(data + 20);
    if (width == 0 || height == 0 || width > (1u << 30) || height > (1u << 30)) {
      throw image_record_error(
          record_name, fmt::format("PNG header gives an impossible size {}x{}", width, height));
    }
    info.width = static_cast<int>(width);
    info.height = static_cast<int>(height);
    return info;
  }
  const Image image = decode_with_opencv(data, size, record_name);
  info.width = image.width;
  info.height = image.height;
  return info;
}

Image decode_image(const uint8_t* data, size_t size, const std::string& record_name, int min_width,
                   int min_height) {
  if (data == nullptr || size == 0) throw image_record_error(record_name, "empty record (0 bytes)");
  if (sniff_image_format(data, size) != ImageFormat::kJpeg) {
    return decode_with_opencv(data, size, record_name);
  }
  tjhandle handle = thread_decompressor();
  const JpegHeader header = read_jpeg_header(data, size, record_name);
  if (header.colorspace == TJCS_CMYK || header.colorspace == TJCS_YCCK) {
    // TurboJPEG cannot convert CMYK to RGB; OpenCV's libjpeg path can (full size only).
    return decode_with_opencv(data, size, record_name);
  }
  const int eighths = jpeg_scale_eighths(header.width, header.height, min_width, min_height);
  const int out_width = jpeg_scaled_size(header.width, eighths);
  const int out_height = jpeg_scaled_size(header.height, eighths);
  if (static_cast<int64_t>(out_width) * out_height > kMaxDecodedPixels) {
    throw image_record_error(
        record_name, fmt::format("JPEG header claims {}x{} pixels, more than this decoder accepts",
                                 header.width, header.height));
  }
  Image image(out_width, out_height);
  // Without TJFLAG_STOPONWARNING the decode runs to the end and reports a warning afterwards,
  // so benign warnings can be told from truncation.
  const int status =
      tjDecompress2(handle, data, static_cast<unsigned long>(size), image.pixels.data(),
                    image.width, /*pitch=*/0, image.height, TJPF_RGB, /*flags=*/0);
  if (status != 0) {
    const std::string message = tjGetErrorStr2(handle);
    const bool benign = tjGetErrorCode(handle) == TJERR_WARNING && benign_jpeg_warning(message);
    discard_thread_decompressor();
    if (!benign) {
      throw image_record_error(
          record_name,
          fmt::format("JPEG data is damaged or truncated: {} ({} bytes)", message, size));
    }
  }
  return image;
}

}  // namespace ptk::vision
