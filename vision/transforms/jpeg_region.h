// Decoding only the part of a JPEG that a crop needs. RandomResizedCrop keeps on average about
// half of the picture; the rest need not be upsampled, colour-converted or inverse-transformed.
// The entropy-coded data is still read to the end (that cannot be skipped, and reading it is
// what notices a truncated or damaged record), so errors are those of a full decode.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "vision/transforms/image.h"

namespace ptk::vision {

struct JpegRegion {
  Image image;    // the decoded region: the requested box plus whatever decoding forced around it
  int box_x = 0;  // where the requested box starts inside `image`
  int box_y = 0;
};

// Decodes the box [x, x + width) x [y, y + height) of the JPEG `data` decoded at scale
// eighths/8 (coordinates in that scaled picture, whose size is ceil(full * eighths / 8)). The
// box's pixels are bit for bit those of decode_image at the same scale: the region is widened by
// one iMCU on every side so that chroma upsampling at its edges sees the same neighbours.
// std::nullopt for pictures this path does not handle (not JPEG, CMYK / YCCK, a scale libjpeg
// does not offer): decode in full instead. Damaged or truncated data is a ptk::Error naming
// `record_name`, with the same tolerance of benign warnings as decode_image.
std::optional<JpegRegion> decode_jpeg_region(const uint8_t* data, size_t size,
                                             const std::string& record_name, int eighths, int x,
                                             int y, int width, int height);

}  // namespace ptk::vision
