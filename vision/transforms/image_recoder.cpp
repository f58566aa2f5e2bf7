#include "vision/transforms/image_recoder.h"

#include <fmt/format.h>
#include <turbojpeg.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <utility>

#include "common/base/error.h"
#include "vision/transforms/decode_errors.h"
#include "vision/transforms/image_decoder.h"
#include "vision/transforms/turbojpeg_thread.h"

namespace ptk::vision {
namespace {

uint32_t read_uint(const uint8_t* p, int bytes, bool big_endian) {
  uint32_t value = 0;
  for (int i = 0; i < bytes; ++i) {
    value |= uint32_t{p[big_endian ? i : bytes - 1 - i]} << (8 * (bytes - 1 - i));
  }
  return value;
}

// Orientation from a TIFF block (the Exif payload after "Exif\0\0"): header, then IFD0 entries
// of 12 bytes (tag, type, count, value). Every read is checked against `size`.
int tiff_orientation(const uint8_t* tiff, size_t size) {
  constexpr uint32_t kOrientationTag = 0x0112;
  constexpr uint32_t kTypeShort = 3;
  if (size < 8) return 1;
  const bool big = tiff[0] == 'M' && tiff[1] == 'M';
  if (!big && !(tiff[0] == 'I' && tiff[1] == 'I')) return 1;
  if (read_uint(tiff + 2, 2, big) != 42) return 1;
  const size_t ifd = read_uint(tiff + 4, 4, big);
  if (ifd > size - 2) return 1;
  const size_t count = read_uint(tiff + ifd, 2, big);
  if (count > (size - ifd - 2) / 12) return 1;  // the entry table runs past the block
  for (size_t i = 0; i < count; ++i) {
    const uint8_t* entry = tiff + ifd + 2 + 12 * i;
    if (read_uint(entry, 2, big) != kOrientationTag) continue;
    if (read_uint(entry + 2, 2, big) != kTypeShort || read_uint(entry + 4, 4, big) != 1) return 1;
    const int value = static_cast<int>(read_uint(entry + 8, 2, big));
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}

// Turns a picture stored with EXIF `orientation` (1..8) the way a viewer displays it.
cv::Mat apply_orientation(const cv::Mat& image, int orientation) {
  cv::Mat out;
  switch (orientation) {
    case 2:
      cv::flip(image, out, 1);
      break;
    case 3:
      cv::rotate(image, out, cv::ROTATE_180);
      break;
    case 4:
      cv::flip(image, out, 0);
      break;
    case 5:
      cv::transpose(image, out);
      break;
    case 6:
      cv::rotate(image, out, cv::ROTATE_90_CLOCKWISE);
      break;
    case 7:
      cv::transpose(image, out);
      cv::flip(out, out, -1);
      break;
    case 8:
      cv::rotate(image, out, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    default:
      return image;
  }
  return out;
}

// The stored size for a `width` x `height` image under `limit`: the shorter side becomes the
// limit, the longer keeps the aspect ratio (rounded half up; never below the limit). Symmetric in
// the two sides, so it may be computed before or after a 90-degree rotation.
cv::Size resized_size(int width, int height, int limit) {
  const int64_t shorter = std::min(width, height);
  const int64_t longer = std::max(width, height);
  if (shorter <= limit) return {width, height};
  const int scaled = static_cast<int>((2 * longer * limit + shorter) / (2 * shorter));
  return width <= height ? cv::Size(limit, scaled) : cv::Size(scaled, limit);
}

std::vector<uint8_t> compress_rgb(const cv::Mat& rgb, int quality) {
  tjhandle handle = thread_compressor();
  unsigned char* buffer = nullptr;
  unsigned long size = 0;
  const int status = tjCompress2(handle, rgb.data, rgb.cols, static_cast<int>(rgb.step), rgb.rows,
                                 TJPF_RGB, &buffer, &size, TJSAMP_420, quality, /*flags=*/0);
  const std::unique_ptr<unsigned char, void (*)(unsigned char*)> owned(buffer, tjFree);
  if (status != 0) {
    const std::string message = tjGetErrorStr2(handle);
    discard_thread_compressor();
    throw error("TurboJPEG: encoding a {}x{} JPEG failed: {}", rgb.cols, rgb.rows, message);
  }
  return std::vector<uint8_t>(buffer, buffer + size);
}

// Resize in stored orientation (cheaper than rotating the larger picture), then turn upright.
RecodedImage encode_for_training(const cv::Mat& rgb, int orientation, cv::Size stored_size,
                                 int quality) {
  cv::Mat sized = rgb;
  if (rgb.size() != stored_size) cv::resize(rgb, sized, stored_size, 0, 0, cv::INTER_AREA);
  const cv::Mat upright = apply_orientation(sized, orientation);
  RecodedImage result;
  result.bytes = compress_rgb(upright, quality);
  result.recoded = true;
  result.width = upright.cols;
  result.height = upright.rows;
  return result;
}

RecodedImage unchanged(std::vector<uint8_t> bytes, int width, int height) {
  RecodedImage result;
  result.bytes = std::move(bytes);
  result.width = width;
  result.height = height;
  return result;
}

RecodedImage recode_jpeg(std::vector<uint8_t> bytes, const RecodeOptions& options,
                         const std::string& record_name) {
  const JpegHeader header = read_jpeg_header(bytes.data(), bytes.size(), record_name);
  const int limit = options.resize_shorter;
  const int orientation = limit > 0 ? jpeg_exif_orientation(bytes.data(), bytes.size()) : 1;
  const bool plain =
      (header.colorspace == TJCS_RGB || header.colorspace == TJCS_YCbCr) && orientation == 1;
  const bool shrink = limit > 0 && std::min(header.width, header.height) > limit;
  if (limit == 0 || (plain && !shrink)) {
    // A 1/8-scale decode still reads every entropy-coded byte: truncation is caught.
    decode_image(bytes.data(), bytes.size(), record_name, 1, 1);
    return unchanged(std::move(bytes), header.width, header.height);
  }
  // Rotation does not change the shorter side's length: the DCT scale is chosen in stored
  // orientation, keeping the shorter side at least `limit`.
  const bool portrait = header.width <= header.height;
  const int min_width = shrink && portrait ? limit : 0;
  const int min_height = shrink && !portrait ? limit : 0;
  Image decoded = decode_image(bytes.data(), bytes.size(), record_name, min_width, min_height);
  const cv::Mat view(decoded.height, decoded.width, CV_8UC3, decoded.pixels.data());
  return encode_for_training(view, orientation, resized_size(header.width, header.height, limit),
                             options.jpeg_quality);
}

// Alpha composited on white: transparent areas of logos and product shots are meant to be seen
// on a light page, and black would invent dark edges.
cv::Mat bgra_on_white(const cv::Mat& bgra) {
  cv::Mat rgb(bgra.rows, bgra.cols, CV_8UC3);
  for (int y = 0; y < bgra.rows; ++y) {
    const uint8_t* in = bgra.ptr<uint8_t>(y);
    uint8_t* out = rgb.ptr<uint8_t>(y);
    for (int x = 0; x < bgra.cols; ++x, in += 4, out += 3) {
      const int alpha = in[3];
      for (int c = 0; c < 3; ++c) {
        out[c] = static_cast<uint8_t>((in[2 - c] * alpha + 255 * (255 - alpha) + 127) / 255);
      }
    }
  }
  return rgb;
}

// Any format OpenCV reads, as 8-bit RGB. IMREAD_UNCHANGED keeps alpha, and OpenCV never applies
// EXIF orientation with it (IMREAD_IGNORE_ORIENTATION cannot be or-ed into -1 anyway).
cv::Mat decode_rgb(const std::vector<uint8_t>& bytes, const std::string& record_name) {
  cv::Mat decoded;
  try {
    decoded = cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception& e) {
    throw image_record_error(record_name, std::string("OpenCV could not decode it: ") + e.what());
  }
  if (decoded.empty()) {
    throw image_record_error(
        record_name,
        fmt::format("not a readable image (OpenCV imdecode failed; {} bytes)", bytes.size()));
  }
  if (decoded.depth() == CV_16U) decoded.convertTo(decoded, CV_8U, 1.0 / 257);
  const int channels = decoded.channels();
  if (decoded.depth() != CV_8U || (channels != 1 && channels != 3 && channels != 4)) {
    throw error(
        "image record '{}': unsupported pixel type ({} channels, OpenCV depth {}); convert it to "
        "an 8-bit RGB image",
        record_name, channels, decoded.depth());
  }
  if (channels == 4) return bgra_on_white(decoded);
  cv::Mat rgb;
  cv::cvtColor(decoded, rgb, channels == 1 ? cv::COLOR_GRAY2RGB : cv::COLOR_BGR2RGB);
  return rgb;
}

RecodedImage recode_other(std::vector<uint8_t> bytes, const RecodeOptions& options,
                          const std::string& record_name) {
  if (options.resize_shorter == 0) {
    const Image decoded = decode_image(bytes.data(), bytes.size(), record_name);
    return unchanged(std::move(bytes), decoded.width, decoded.height);
  }
  const cv::Mat rgb = decode_rgb(bytes, record_name);
  return encode_for_training(rgb, /*orientation=*/1,
                             resized_size(rgb.cols, rgb.rows, options.resize_shorter),
                             options.jpeg_quality);
}

}  // namespace

int jpeg_exif_orientation(const uint8_t* data, size_t size) {
  if (data == nullptr || size < 4 || data[0] != 0xff || data[1] != 0xd8) return 1;
  size_t pos = 2;
  // Walk the marker segments up to the first scan: metadata always precedes the image data.
  while (pos + 4 <= size && data[pos] == 0xff) {
    const uint8_t marker = data[pos + 1];
    if (marker == 0xff) {  // fill byte
      ++pos;
      continue;
    }
    if (marker == 0xda || marker == 0xd9) return 1;              // start of scan, end of image
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {  // no length field
      pos += 2;
      continue;
    }
    const size_t length = read_uint(data + pos + 2, 2, /*big_endian=*/true);
    if (length < 2 || length > size - pos - 2) return 1;
    const uint8_t* payload = data + pos + 4;
    const size_t payload_size = length - 2;
    if (marker == 0xe1 && payload_size >= 6 && std::memcmp(payload, "Exif\0\0", 6) == 0) {
      return tiff_orientation(payload + 6, payload_size - 6);
    }
    pos += 2 + length;
  }
  return 1;
}

RecodedImage recode_for_training(std::vector<uint8_t> bytes, const RecodeOptions& options,
                                 const std::string& record_name) {
  if (options.resize_shorter < 0 || options.jpeg_quality < 1 || options.jpeg_quality > 100) {
    throw usage_error(
        "image recoding: resize_shorter must be >= 0 (got {}) and jpeg_quality in 1..100 (got {})",
        options.resize_shorter, options.jpeg_quality);
  }
  if (bytes.empty()) throw image_record_error(record_name, "empty record (0 bytes)");
  if (sniff_image_format(bytes.data(), bytes.size()) == ImageFormat::kJpeg) {
    return recode_jpeg(std::move(bytes), options, record_name);
  }
  return recode_other(std::move(bytes), options, record_name);
}

}  // namespace ptk::vision
