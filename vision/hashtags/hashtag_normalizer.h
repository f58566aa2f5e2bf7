// Turns a hashtag as a user typed it into the form vocabularies are counted in, with ICU:
// UTF-8 validation, NFKC + Unicode case folding, then Latin letters folded to ASCII so that a
// tag matches WordNet's ASCII nouns the way a user expects: accents, cedillas, umlauts and other
// nonspacing marks are removed (#Café, #São_Paulo -> "cafe", "sao_paulo"), ligatures and
// letters without a decomposition are spelled out (æ œ ß ĳ ø ł đ þ -> ae oe ss ij o l d th), the
// Turkish İ and ı become "i", fullwidth forms become ASCII (＃ＣＡＦＥ -> "cafe"). Only
// Latin-script letters are folded: other scripts keep their marks and letters (#東京, #москва,
// #σοφία stay as they are). Finally the leading '#' and surrounding punctuation and white space
// are removed and inner white space runs collapsed to one space. Stateless after construction
// and safe to share between threads; the same input always gives the same output, and
// normalising a normalised hashtag leaves it unchanged.
#pragma once

#include <string>
#include <string_view>

namespace ptk::vision {

enum class HashtagStatus {
  kOk,
  kInvalidUtf8,  // the bytes are not UTF-8: reported by the caller, the hashtag dropped
  kEmpty,        // nothing left after stripping ("#", "!!!", "")
};

struct NormalizedHashtag {
  HashtagStatus status = HashtagStatus::kOk;
  std::string text;  // UTF-8; empty unless status == kOk
};

class HashtagNormalizer {
 public:
  // An Error if ICU's normalisation data or its Latin-ASCII transliteration cannot be loaded.
  HashtagNormalizer();
  NormalizedHashtag normalize(std::string_view raw) const;

 private:
  // icu::Normalizer2*, owned by ICU; kept opaque to keep ICU headers out of every includer.
  // The Latin-ASCII transliterator is not here: an icu::Transliterator must not be used by two
  // threads at once, so each thread uses its own (see hashtag_normalizer.cpp).
  const void* nfkc_casefold_;
  const void* nfd_;
};

// "ok", "invalid UTF-8", "empty".
const char* to_string(HashtagStatus status);

}  // namespace ptk::vision
