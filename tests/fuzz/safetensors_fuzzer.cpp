// libFuzzer target for the torch-free safetensors parser: any bytes must either parse to a
// header that is consistent with the file (entries tile the data section exactly) or throw
// ptk::Error naming the origin. Reads outside the buffer are caught by AddressSanitizer.
#include <cstdint>
#include <cstring>
#include <string>

#include "common/base/error.h"
#include "common/io/safetensors_format.h"
#include "tests/fuzz/fuzz_support.h"

using ptk::fuzz::expect;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // libFuzzer hands over a heap buffer of exactly `size` bytes: a read one past the end is a
  // sanitizer report.
  try {
    const ptk::io::SafetensorsHeader header =
        ptk::io::parse_safetensors(size == 0 ? nullptr : data, size, "fuzz input");
    uint64_t expected_begin = 0;
    for (const auto& entry : header.entries) {
      expect(ptk::io::safetensors_dtype_size(entry.dtype) > 0, "accepted an unknown dtype");
      expect(entry.begin == expected_begin, "accepted a gap or an overlap between tensors");
      expect(entry.begin <= entry.end, "accepted a tensor ending before it begins");
      uint64_t bytes = ptk::io::safetensors_dtype_size(entry.dtype);
      for (const int64_t dim : entry.shape) {
        expect(dim >= 0, "accepted a negative dimension");
        expect(!__builtin_mul_overflow(bytes, static_cast<uint64_t>(dim), &bytes),
               "accepted a shape whose byte size overflows");
      }
      expect(bytes == entry.end - entry.begin, "accepted a shape that disagrees with the offsets");
      expected_begin = entry.end;
    }
    expect(header.data_offset <= size, "data section starts past the end of the file");
    expect(header.data_offset + expected_begin == size,
           "tensors do not end exactly at the end of the file");
    // What we accept and can write back (the writer may refuse, e.g. a foreign "format") must
    // parse back to the same entries.
    std::string again;
    try {
      again = ptk::io::encode_safetensors_header(header.entries, header.metadata);
    } catch (const ptk::Error&) {
      return 0;
    }
    again.append(size - header.data_offset, '\0');
    const ptk::io::SafetensorsHeader reparsed = ptk::io::parse_safetensors(
        reinterpret_cast<const uint8_t*>(again.data()), again.size(), "re-encoded fuzz input");
    expect(reparsed.entries.size() == header.entries.size(), "re-encoding lost tensors");
    for (size_t i = 0; i < header.entries.size(); ++i) {
      const auto& a = header.entries[i];
      const auto& b = reparsed.entries[i];
      expect(a.name == b.name && a.dtype == b.dtype && a.shape == b.shape && a.begin == b.begin &&
                 a.end == b.end,
             "re-encoding changed a tensor");
    }
  } catch (const ptk::Error& e) {
    expect(std::strstr(e.what(), "fuzz input") != nullptr, "an error does not name the file");
  }
  return 0;
}
