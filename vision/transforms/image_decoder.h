// Image decoding for training and evaluation: JPEG through libjpeg-turbo, scaled in the DCT
// domain to the smallest size the caller still needs; every other format through OpenCV.
// Thread safe (each thread keeps its own TurboJPEG handle). Damaged or non-image records raise
// ptk::Error naming the record; nothing here aborts. EXIF orientation is ignored, as
// torchvision's loaders do, so peek_image and decode_image always agree on the size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "vision/transforms/image.h"

namespace ptk::vision {

enum class ImageFormat { kJpeg, kPng, kOther };

const char* format_name(ImageFormat format);

// The format from the first bytes (JPEG SOI marker, PNG signature); kOther for anything else,
// including bytes that are no image at all.
ImageFormat sniff_image_format(const uint8_t* data, size_t size);

struct ImageInfo {
  ImageFormat format = ImageFormat::kOther;
  int width = 0;  // full-resolution size, as stored
  int height = 0;
};

// Format and size without decoding the pixels for JPEG (TurboJPEG header) and PNG (IHDR).
// Other formats OpenCV reads (BMP, TIFF, WebP, ...) have no cheap header path and are decoded
// in full to learn their size. Throws ptk::Error naming `record_name` when the bytes are not a
// readable image.
ImageInfo peek_image(const uint8_t* data, size_t size, const std::string& record_name);

// Decodes to RGB (greyscale and CMYK are converted). For JPEG the output is scaled by the
// smallest libjpeg-turbo factor n/8 (n = 1..8; never enlarging) whose result is at least
// `min_width` x `min_height`: skipping the inverse DCT of coefficients that would be thrown
// away by a later downscale is the cheapest way to decode a large photo for a small crop.
// A side given as 0 is unconstrained; with both 0 (the default) the image is decoded at full
// resolution. Non-JPEG images are always decoded at full size. The result's size is
// ceil(full * n / 8) per side (TurboJPEG's TJSCALED).
//
// A JPEG whose data ends early, or whose corruption libjpeg detects, is an error, not a
// grey-padded picture (flipped bits inside entropy data can go unnoticed, as in any decoder); only
// libjpeg's benign warnings (extraneous bytes before a marker, unknown JFIF revision or Adobe
// transform code) are tolerated, because real photo collections contain them.
Image decode_image(const uint8_t* data, size_t size, const std::string& record_name,
                   int min_width = 0, int min_height = 0);

// A side of `dimension` pixels decoded at scale eighths/8: ceil(dimension * eighths / 8), as
// libjpeg-turbo sizes it (TJSCALED).
int jpeg_scaled_size(int dimension, int eighths);

// The libjpeg-turbo scale n/8 that decode_image picks for a `width` x `height` JPEG and the
// given minimum output size (n = 8 when no smaller scale satisfies it): lets a caller plan its
// crop in decoded coordinates before paying for the decode.
int jpeg_scale_eighths(int width, int height, int min_width, int min_height);

}  // namespace ptk::vision
