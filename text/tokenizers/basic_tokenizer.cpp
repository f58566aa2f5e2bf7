#include "text/tokenizers/basic_tokenizer.h"

#include <unicode/locid.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "common/base/error.h"

namespace ptk::text {
namespace {

// Decodes well-formed UTF-8 (checked by the caller) into code points.
std::u32string decode_utf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const auto next = [&](size_t k) { return static_cast<char32_t>(text[i + k] & 0x3F); };
    if (lead < 0x80) {
      out.push_back(lead);
      i += 1;
    } else if (lead < 0xE0) {
      out.push_back((static_cast<char32_t>(lead & 0x1F) << 6) | next(1));
      i += 2;
    } else if (lead < 0xF0) {
      out.push_back((static_cast<char32_t>(lead & 0x0F) << 12) | (next(1) << 6) | next(2));
      i += 3;
    } else {
      out.push_back((static_cast<char32_t>(lead & 0x07) << 18) | (next(1) << 12) | (next(2) << 6) |
                    next(3));
      i += 4;
    }
  }
  return out;
}

void append_utf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    out->push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (c >> 6)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (c >> 12)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (c >> 18)));
    out->push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::string to_utf8(const char32_t* begin, const char32_t* end) {
  std::string out;
  out.reserve(static_cast<size_t>(end - begin));
  for (const char32_t* p = begin; p != end; ++p) append_utf8(*p, &out);
  return out;
}

// Python's str.split() also splits on U+2028/U+2029 (categories Zl/Zp), which survive the
// cleaning step; everything else it splits on is already a space by then.
bool splits_words(char32_t c) { return c == U' ' || c == 0x2028 || c == 0x2029; }

}  // namespace

bool is_bert_whitespace(char32_t c) {
  if (c == U' ' || c == U'\t' || c == U'\n' || c == U'\r') return true;
  return u_charType(static_cast<UChar32>(c)) == U_SPACE_SEPARATOR;
}

bool is_bert_control(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  switch (u_charType(static_cast<UChar32>(c))) {
    case U_CONTROL_CHAR:      // Cc
    case U_FORMAT_CHAR:       // Cf
    case U_UNASSIGNED:        // Cn
    case U_PRIVATE_USE_CHAR:  // Co
    case U_SURROGATE:         // Cs
      return true;
    default:
      return false;
  }
}

bool is_bert_punctuation(char32_t c) {
  // BERT treats all non-alphanumeric ASCII as punctuation, "$", "^", "`" included.
  if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
      (c >= 123 && c <= 126)) {
    return true;
  }
  return u_ispunct(static_cast<UChar32>(c));  // the P* categories
}

bool is_cjk_ideograph(char32_t c) {
  // Ideographs only: Hangul, Hiragana and Katakana are written with spaces between words and
  // go through WordPiece like any other script.
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
         (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B820 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

BasicTokenizer::BasicTokenizer(bool do_lower_case) : do_lower_case_(do_lower_case) {
  UErrorCode status = U_ZERO_ERROR;
  nfd_ = icu::Normalizer2::getNFDInstance(status);
  if (U_FAILURE(status) || nfd_ == nullptr) {
    throw error("ICU: cannot load NFD normalisation data: {}", u_errorName(status));
  }
}

void BasicTokenizer::lower_and_strip_accents(const std::u32string& word,
                                             std::u32string* out) const {
  bool ascii = true;
  for (char32_t c : word) ascii = ascii && c < 0x80;
  if (ascii) {
    // NFD and Mn removal leave ASCII alone; skip ICU on the common path.
    for (char32_t c : word) out->push_back(c >= U'A' && c <= U'Z' ? c + 32 : c);
    return;
  }
  icu::UnicodeString text = icu::UnicodeString::fromUTF32(
      reinterpret_cast<const UChar32*>(word.data()), static_cast<int32_t>(word.size()));
  // Full case mapping with the root locale = Python's str.lower() (e.g. final sigma, "İ").
  text.toLower(icu::Locale::getRoot());
  UErrorCode status = U_ZERO_ERROR;
  const icu::UnicodeString decomposed =
      static_cast<const icu::Normalizer2*>(nfd_)->normalize(text, status);
  if (U_FAILURE(status)) throw error("ICU: NFD failed: {}", u_errorName(status));
  for (int32_t i = 0; i < decomposed.length(); i = decomposed.moveIndex32(i, 1)) {
    const UChar32 c = decomposed.char32At(i);
    if (u_charType(c) != U_NON_SPACING_MARK) out->push_back(static_cast<char32_t>(c));
  }
}

std::vector<std::string> BasicTokenizer::tokenize(std::string_view text) const {
  // 1. Clean and isolate CJK ideographs, in one pass.
  std::u32string cleaned;
  for (char32_t c : decode_utf8(text)) {
    if (c == 0 || c == 0xFFFD || is_bert_control(c)) continue;
    if (is_bert_whitespace(c)) {
      cleaned.push_back(U' ');
    } else if (is_cjk_ideograph(c)) {
      cleaned.push_back(U' ');
      cleaned.push_back(c);
      cleaned.push_back(U' ');
    } else {
      cleaned.push_back(c);
    }
  }

  // 2. Split on white space; 3. case and accents; 4. split off punctuation.
  std::vector<std::string> tokens;
  std::u32string word, folded;
  const auto flush_word = [&]() {
    if (word.empty()) return;
    const std::u32string* chars = &word;
    if (do_lower_case_) {
      folded.clear();
      lower_and_strip_accents(word, &folded);
      chars = &folded;
    }
    const char32_t* start = chars->data();
    const char32_t* end = start + chars->size();
    for (const char32_t* p = start; p != end; ++p) {
      if (is_bert_punctuation(*p)) {
        if (p != start) tokens.push_back(to_utf8(start, p));
        tokens.push_back(to_utf8(p, p + 1));
        start = p + 1;
      }
    }
    if (start != end) tokens.push_back(to_utf8(start, end));
    word.clear();
  };
  for (char32_t c : cleaned) {
    if (splits_words(c)) {
      flush_word();
    } else {
      word.push_back(c);
    }
  }
  flush_word();
  return tokens;
}

}  // namespace ptk::text
