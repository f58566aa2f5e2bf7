// This thread's TurboJPEG handles, for the decoder and the recoder. A handle must never be used
// by two threads at once, and creating one allocates libjpeg state: each thread keeps one
// decompressor and one compressor, made on first use.
#pragma once

#include <turbojpeg.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace ptk::vision {

tjhandle thread_decompressor();
tjhandle thread_compressor();

// After a failed call TurboJPEG 2.x can leave a handle mid-stream, and the next call on it then
// fails on a good image: drop it, and the next call makes a fresh one (failures are rare).
void discard_thread_decompressor();
void discard_thread_compressor();

struct JpegHeader {
  int width = 0;
  int height = 0;
  int colorspace = TJCS_YCbCr;
};

// The header of a JPEG, read with this thread's decompressor; an image_record_error naming
// `record_name` when it is damaged or gives an empty picture.
JpegHeader read_jpeg_header(const uint8_t* data, size_t size, const std::string& record_name);

}  // namespace ptk::vision
