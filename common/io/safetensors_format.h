// The safetensors container without LibTorch: a strict parser that validates every byte of
// the header against the file it came from, and the encoder for the header we write. Kept
// free of LibTorch so a fuzzer can link it alone. Layout: 8-byte little-endian header length
// N, N bytes of JSON, then the tensor data, contiguous from offset 0 without gaps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ptk::io {

// One tensor as described by the header. `begin`/`end` are byte offsets relative to the start
// of the data section (that is, to 8 + header length), as in the file.
struct SafetensorsEntry {
  std::string name;
  std::string dtype;           // "F64" "F32" "F16" "BF16" "I64" "I32" "I16" "I8" "U8" "BOOL"
  std::vector<int64_t> shape;  // empty for a 0-d tensor
  uint64_t begin = 0;
  uint64_t end = 0;
};

struct SafetensorsHeader {
  std::vector<SafetensorsEntry> entries;        // in the order the JSON lists them
  std::map<std::string, std::string> metadata;  // "__metadata__", absent -> empty
  uint64_t data_offset = 0;                     // absolute file offset of the data section
};

// Largest JSON header accepted, as a guard against hostile length fields.
constexpr uint64_t kMaxSafetensorsHeaderBytes = 100ull * 1024 * 1024;

// Size in bytes of one element of a safetensors dtype; 0 when the dtype is unknown.
std::size_t safetensors_dtype_size(const std::string& dtype);

// Parses and validates a complete safetensors file held in memory (`size` is the file size).
// Checks: header length inside the file and <= kMaxSafetensorsHeaderBytes; strict JSON
// (no trailing garbage, no duplicate keys, bounded nesting); known dtypes; non-negative
// shapes whose byte size equals end - begin without overflow; offsets contiguous from 0
// with no gap or overlap; data section ending exactly at the end of the file; metadata values
// are strings. Any violation throws ptk::Error naming `origin`, the tensor when there is one,
// and what is wrong. Never reads outside [data, data + size).
SafetensorsHeader parse_safetensors(const uint8_t* data, std::size_t size,
                                    const std::string& origin);

// Builds the first part of a file: the 8-byte length followed by the JSON header, padded with
// spaces so the data section starts at a multiple of 8. The entries' offsets are written as
// given (the caller lays the data out); `metadata` is written as "__metadata__" with
// "format": "pt" always present.
std::string encode_safetensors_header(const std::vector<SafetensorsEntry>& entries,
                                      const std::map<std::string, std::string>& metadata);

}  // namespace ptk::io
