// UTF-8 well-formedness (Unicode Table 3-7: no overlong forms, no surrogates, nothing above
// U+10FFFF), in one place for the whole toolkit. yaml-cpp writes a quoted string's ill-formed
// bytes as U+FFFD, so config and manifest writers check text first and say so instead;
// SentencePiece and ICU silently turn ill-formed bytes into U+FFFD in most entry points, so the
// tokenizers check their input here first: strictly (reject, naming the byte offset) or
// leniently (replace and count). Pure functions of their input; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ptk {

// The first ill-formed sequence of a byte string.
struct Utf8Defect {
  size_t offset = 0;  // byte offset of the first byte of the ill-formed sequence
  std::string what;   // e.g. "unexpected continuation byte 0x80", "truncated 3-byte sequence"
};

// Where `text` stops being well-formed UTF-8 (Unicode Table 3-7: no overlongs, no surrogates,
// nothing above U+10FFFF), or nullopt when all of it is well-formed.
std::optional<Utf8Defect> find_utf8_defect(std::string_view text);

// Throws ptk::Error "<context>: invalid UTF-8 at byte offset N: <what>" when `text` is
// ill-formed. `context` names the input (a file and line, or "text").
void check_utf8(std::string_view text, std::string_view context);

// Copies `text` with every maximal ill-formed subpart replaced by U+FFFD (the W3C/WHATWG
// practice, which Python's errors="replace" also follows); returns how many were replaced.
int64_t replace_invalid_utf8(std::string_view text, std::string* out);

// Whether `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

}  // namespace ptk
