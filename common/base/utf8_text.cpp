#include "common/base/utf8_text.h"

#include <fmt/format.h>

#include <cstdio>

#include "common/base/error.h"

namespace ptk {
namespace {

std::string hex_byte(unsigned char byte) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "0x%02X", byte);
  return buffer;
}

// Length of the well-formed sequence starting at `i`, or 0 with `what` set. `consumed` is the
// length of the maximal ill-formed subpart (at least 1), which lenient mode replaces as a unit.
size_t sequence_length(std::string_view s, size_t i, size_t* consumed, std::string* what) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // allowed range of the second byte (Table 3-7)
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // overlong below U+0800
    if (lead == 0xED) high = 0x9F;  // UTF-16 surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // overlong below U+10000
    if (lead == 0xF4) high = 0x8F;  // above U+10FFFF
  } else {
    *consumed = 1;
    if (lead <= 0xBF) {
      *what = "unexpected continuation byte " + hex_byte(lead);
    } else {
      *what = "byte " + hex_byte(lead) + " never occurs in UTF-8";
    }
    return 0;
  }
  for (size_t k = 1; k < length; ++k) {
    if (i + k >= s.size()) {
      *consumed = k;
      *what = fmt::format("truncated {}-byte sequence at end of input", length);
      return 0;
    }
    const unsigned char b = byte(i + k);
    const unsigned char lo = k == 1 ? low : 0x80, hi = k == 1 ? high : 0xBF;
    if (b < lo || b > hi) {
      *consumed = k;
      if (k == 1 && b >= 0x80 && b <= 0xBF) {
        *what = "lead byte " + hex_byte(lead) + " followed by " + hex_byte(b) +
                " (overlong form, surrogate or code point above U+10FFFF)";
      } else {
        *what = fmt::format(
            "truncated {}-byte sequence (byte {} at offset {} is not a continuation byte)", length,
            hex_byte(b), i + k);
      }
      return 0;
    }
  }
  return length;
}

}  // namespace

std::optional<Utf8Defect> find_utf8_defect(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // ASCII fast path: most of any corpus.
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t consumed = 0;
    std::string what;
    const size_t length = sequence_length(text, i, &consumed, &what);
    if (length == 0) return Utf8Defect{i, std::move(what)};
    i += length;
  }
  return std::nullopt;
}

void check_utf8(std::string_view text, std::string_view context) {
  if (auto defect = find_utf8_defect(text)) {
    throw error("{}: invalid UTF-8 at byte offset {}: {}", context, defect->offset, defect->what);
  }
}

int64_t replace_invalid_utf8(std::string_view text, std::string* out) {
  static constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD
  out->clear();
  out->reserve(text.size());
  int64_t replaced = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t consumed = 0;
    std::string what;
    const size_t length = sequence_length(text, i, &consumed, &what);
    if (length == 0) {
      out->append(kReplacement);
      ++replaced;
      i += consumed;
    } else {
      out->append(text.substr(i, length));
      i += length;
    }
  }
  return replaced;
}

bool is_valid_utf8(std::string_view text) { return !find_utf8_defect(text).has_value(); }

}  // namespace ptk
