// Preparing an image record for training: validates it, and when asked makes it a small RGB JPEG
// so the trainer decodes only modest baseline JPEGs. Every stored record decodes (or the call
// throws ptk::Error naming it); the output is a pure function of (bytes, options). Thread safe:
// each thread keeps its own TurboJPEG handles.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ptk::vision {

struct RecodeOptions {
  // 0 keeps the original bytes (validation only); else the largest shorter side, in pixels, of
  // a stored image.
  int resize_shorter = 0;
  int jpeg_quality = 90;  // 1..100, for images re-encoded (always with 4:2:0 chroma)
};

struct RecodedImage {
  std::vector<uint8_t> bytes;  // what to store
  bool recoded = false;        // false: `bytes` are the input bytes, unchanged
  int width = 0;               // of the stored image, as a decoder would display it
  int height = 0;
};

// resize_shorter == 0: the bytes come back unchanged. A JPEG is validated by a 1/8-scale decode
// (libjpeg still reads every entropy-coded byte, so truncation and corruption are caught at a
// fraction of the cost); other formats are decoded in full. EXIF orientation is not applied, as
// the bytes are not touched; width/height are then as stored.
//
// resize_shorter > 0: EXIF orientation is applied first. An image whose shorter side exceeds the
// limit is decoded (JPEG at the smallest DCT scale n/8 that keeps the shorter side >= the limit),
// resized with area interpolation so the shorter side equals the limit exactly (the longer side
// is round(longer * limit / shorter), half up, from the full-size dimensions), and encoded as
// a baseline 4:2:0 JPEG at `jpeg_quality`. An image within the limit stays unchanged only when it
// is a JPEG in RGB/YCbCr without EXIF rotation; anything else (PNG, WebP, BMP, TIFF, greyscale,
// CMYK/YCCK, rotated) is re-encoded the same way at its own size. Alpha is composited on white;
// 16-bit images are reduced to 8 bits.
//
// Throws ptk::Error naming `record_name` for bytes that are not a readable image (empty,
// truncated or corrupt JPEG, unknown format); a usage_error for options out of range.
RecodedImage recode_for_training(std::vector<uint8_t> bytes, const RecodeOptions& options,
                                 const std::string& record_name);

// The EXIF orientation (1..8, TIFF tag 0x0112 in IFD0 of the APP1 "Exif" segment) of a JPEG.
// 1 when the bytes are not a JPEG, carry no Exif segment, or the segment is malformed or
// truncated: reading is bounds-checked against `size` and never fails.
int jpeg_exif_orientation(const uint8_t* data, size_t size);

}  // namespace ptk::vision
