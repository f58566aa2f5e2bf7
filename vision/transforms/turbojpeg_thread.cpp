#include "vision/transforms/turbojpeg_thread.h"

#include <memory>

#include "common/base/error.h"
#include "vision/transforms/decode_errors.h"

namespace ptk::vision {
namespace {

struct TjDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};
using TjHandle = std::unique_ptr<void, TjDeleter>;

TjHandle& decompressor_slot() {
  thread_local TjHandle handle;
  return handle;
}

TjHandle& compressor_slot() {
  thread_local TjHandle handle;
  return handle;
}

tjhandle thread_handle(TjHandle& slot, tjhandle (*init)(), const char* what) {
  if (!slot) slot.reset(init());
  if (!slot) throw error("TurboJPEG: {} failed (out of memory?)", what);
  return slot.get();
}

}  // namespace

tjhandle thread_decompressor() {
  return thread_handle(decompressor_slot(), tjInitDecompress, "tjInitDecompress");
}

tjhandle thread_compressor() {
  return thread_handle(compressor_slot(), tjInitCompress, "tjInitCompress");
}

void discard_thread_decompressor() { decompressor_slot().reset(); }

void discard_thread_compressor() { compressor_slot().reset(); }

JpegHeader read_jpeg_header(const uint8_t* data, size_t size, const std::string& record_name) {
  tjhandle handle = thread_decompressor();
  JpegHeader header;
  int subsampling = 0;
  if (tjDecompressHeader3(handle, data, static_cast<unsigned long>(size), &header.width,
                          &header.height, &subsampling, &header.colorspace) != 0) {
    const std::string message = tjGetErrorStr2(handle);
    discard_thread_decompressor();
    throw image_record_error(record_name, "bad JPEG header: " + message);
  }
  if (header.width <= 0 || header.height <= 0) {
    throw image_record_error(record_name, "JPEG header gives an empty image");
  }
  return header;
}

}  // namespace ptk::vision
