#include "vision/transforms/jpeg_region.h"

// jpeglib.h needs size_t and FILE declared before it.
#include <jpeglib.h>
#include <csetjmp>
#include <cstdio>

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "common/base/error.h"
#include "vision/transforms/decode_errors.h"
#include "vision/transforms/image_decoder.h"

namespace ptk::vision {
namespace {

// libjpeg reports fatal errors through error_exit (which must not return: we jump back out of
// the library) and corrupt-data warnings through emit_message(-1), which we collect.
struct ErrorManager {
  jpeg_error_mgr base;
  std::jmp_buf jump;
  std::string fatal;
  std::string damage;  // the first warning that means lost pixels
};

std::string message_of(j_common_ptr info) {
  char text[JMSG_LENGTH_MAX];
  info->err->format_message(info, text);
  return text;
}

void on_error(j_common_ptr info) {
  auto* manager = reinterpret_cast<ErrorManager*>(info->err);
  manager->fatal = message_of(info);
  std::longjmp(manager->jump, 1);
}

void on_message(j_common_ptr info, int level) {
  if (level >= 0) return;  // trace messages
  auto* manager = reinterpret_cast<ErrorManager*>(info->err);
  const std::string message = message_of(info);
  if (manager->damage.empty() && !benign_jpeg_warning(message)) manager->damage = message;
}

// Lives in the frame that calls setjmp, so that everything with a destructor outlives a
// longjmp out of libjpeg.
struct Decompressor {
  jpeg_decompress_struct info{};
  ErrorManager errors{};
  std::vector<JSAMPLE> scratch;  // one row of the scanlines read past the region
  Decompressor() {
    info.err = jpeg_std_error(&errors.base);
    errors.base.error_exit = on_error;
    errors.base.emit_message = on_message;
  }
  ~Decompressor() { jpeg_destroy_decompress(&info); }  // a no-op if never created
};

// Reads scanlines up to `end` into `image`, whose row 0 is scanline `first`.
void read_rows(jpeg_decompress_struct& info, Image& image, int first, JDIMENSION end) {
  while (info.output_scanline < end) {
    JSAMPROW row = image.row(static_cast<int>(info.output_scanline) - first);
    jpeg_read_scanlines(&info, &row, 1);
  }
}

// The scanlines after the region: skipped (entropy-decoded, not output) up to the last one,
// which is read, so the whole of the data is consumed and truncation anywhere is noticed.
// (Skipping to the very end would stop reading early: libjpeg-turbo then returns at once.)
void consume_rest(jpeg_decompress_struct& info, std::vector<JSAMPLE>& scratch) {
  if (info.output_scanline + 1 < info.output_height) {
    jpeg_skip_scanlines(&info, info.output_height - 1 - info.output_scanline);
  }
  scratch.resize(static_cast<size_t>(info.output_width) * 3);
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = scratch.data();
    jpeg_read_scanlines(&info, &row, 1);
  }
}

// Runs between setjmp and a possible longjmp out of libjpeg, which would skip destructors:
// nothing here or in the helpers holds an object with one across a libjpeg call.
bool decode(Decompressor& d, const uint8_t* data, size_t size, int eighths, int x, int y, int width,
            int height, JpegRegion* out) {
  jpeg_decompress_struct& info = d.info;
  jpeg_create_decompress(&info);  // after setjmp: it can fail (out of memory)
  jpeg_mem_src(&info, data, static_cast<unsigned long>(size));
  jpeg_read_header(&info, TRUE);
  if (info.jpeg_color_space != JCS_YCbCr && info.jpeg_color_space != JCS_GRAYSCALE &&
      info.jpeg_color_space != JCS_RGB) {
    return false;
  }
  info.out_color_space = JCS_RGB;
  info.scale_num = static_cast<unsigned int>(eighths);
  info.scale_denom = 8;
  jpeg_calc_output_dimensions(&info);
  const int full_width = static_cast<int>(info.output_width);
  const int full_height = static_cast<int>(info.output_height);
  if (full_width != jpeg_scaled_size(static_cast<int>(info.image_width), eighths) ||
      full_height != jpeg_scaled_size(static_cast<int>(info.image_height), eighths)) {
    return false;  // a scale this libjpeg rounds differently from decode_image
  }
  if (static_cast<int64_t>(full_width) * full_height > kMaxDecodedPixels) return false;
  if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > full_width ||
      y + height > full_height) {
    return false;
  }
  jpeg_start_decompress(&info);
  // One iMCU of context on every side, in output pixels.
  const int imcu_width = info.max_h_samp_factor * info.min_DCT_scaled_size;
  const int imcu_height = info.max_v_samp_factor * info.min_DCT_scaled_size;
  const int left = std::max(0, x - imcu_width);
  const int right = std::min(full_width, x + width + imcu_width);
  const int top = std::max(0, y - imcu_height);
  const int bottom = std::min(full_height, y + height + imcu_height);
  JDIMENSION crop_x = static_cast<JDIMENSION>(left);
  JDIMENSION crop_width = static_cast<JDIMENSION>(right - left);
  if (crop_x > 0 || crop_width < info.output_width) jpeg_crop_scanline(&info, &crop_x, &crop_width);
  out->image = Image(static_cast<int>(info.output_width), bottom - top);
  out->box_x = x - static_cast<int>(crop_x);
  out->box_y = y - top;
  if (top > 0) jpeg_skip_scanlines(&info, static_cast<JDIMENSION>(top));
  read_rows(info, out->image, top, static_cast<JDIMENSION>(bottom));
  consume_rest(info, d.scratch);
  jpeg_finish_decompress(&info);
  return true;
}

}  // namespace

std::optional<JpegRegion> decode_jpeg_region(const uint8_t* data, size_t size,
                                             const std::string& record_name, int eighths, int x,
                                             int y, int width, int height) {
  if (data == nullptr || size < 3 || data[0] != 0xff || data[1] != 0xd8 || eighths < 1 ||
      eighths > 8) {
    return std::nullopt;
  }
  Decompressor d;
  JpegRegion region;
  bool handled = false;
  if (setjmp(d.errors.jump) == 0) {
    handled = decode(d, data, size, eighths, x, y, width, height, &region);
  } else {
    throw image_record_error(
        record_name,
        fmt::format("JPEG data is damaged or truncated: {} ({} bytes)", d.errors.fatal, size));
  }
  if (!d.errors.damage.empty()) {
    throw image_record_error(
        record_name,
        fmt::format("JPEG data is damaged or truncated: {} ({} bytes)", d.errors.damage, size));
  }
  if (!handled) return std::nullopt;
  return region;
}

}  // namespace ptk::vision
