#include "common/base/utf8_text.h"

namespace ptk {

bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;                      // continuation bytes
    unsigned char low = 0x80, high = 0xBF;  // range of the first continuation byte
    if (byte >= 0xC2 && byte <= 0xDF) {
      length = 1;
    } else if (byte >= 0xE0 && byte <= 0xEF) {
      length = 2;
      if (byte == 0xE0) low = 0xA0;   // overlong
      if (byte == 0xED) high = 0x9F;  // surrogates
    } else if (byte >= 0xF0 && byte <= 0xF4) {
      length = 3;
      if (byte == 0xF0) low = 0x90;   // overlong
      if (byte == 0xF4) high = 0x8F;  // above U+10FFFF
    } else {
      return false;
    }
    if (i + length >= text.size()) return false;
    for (size_t k = 1; k <= length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xBF)) return false;
    }
    i += length + 1;
  }
  return true;
}

}  // namespace ptk
