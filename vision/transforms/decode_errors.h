// What the JPEG decoders (image_decoder.cpp, jpeg_region.cpp) share about bad records: the
// error that names one, which libjpeg warnings are harmless, and the largest picture accepted.
#pragma once

#include <cstdint>
#include <string>

#include "common/base/error.h"

namespace ptk::vision {

// A header can claim up to 65535x65535; refusing absurd sizes keeps one bad record from
// exhausting memory. 2^28 pixels is a 16k x 16k photo.
constexpr int64_t kMaxDecodedPixels = int64_t{1} << 28;

inline Error image_record_error(const std::string& record_name, const std::string& what) {
  return error(
      "image record '{}': {} (the record is damaged or not an image; rewrite the shard from its "
      "source)",
      record_name, what);
}

// libjpeg warnings that do not mean lost pixels. Everything else (premature end of file or data
// segment, bad Huffman or arithmetic codes, resync) means the picture is partly invented.
inline bool benign_jpeg_warning(const std::string& message) {
  return message.find("extraneous bytes") != std::string::npos ||
         message.find("unknown JFIF revision") != std::string::npos ||
         message.find("Unknown Adobe color transform") != std::string::npos;
}

}  // namespace ptk::vision
