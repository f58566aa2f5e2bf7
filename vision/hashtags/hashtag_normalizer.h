// Turns a hashtag as a user typed it into the form vocabularies are counted in, with ICU:
// UTF-8 validation, NFKC + Unicode case folding, leading '#' and surrounding punctuation and
// white space removed, inner white space runs collapsed to one space. Stateless after
// construction and safe to share between threads; the same input always gives the same output.
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
  HashtagNormalizer();  // an Error if ICU's normalisation data cannot be loaded
  NormalizedHashtag normalize(std::string_view raw) const;

 private:
  const void* nfkc_casefold_;  // icu::Normalizer2*, owned by ICU; kept opaque to keep ICU
                               // headers out of every includer
};

// "ok", "invalid UTF-8", "empty".
const char* to_string(HashtagStatus status);

}  // namespace ptk::vision
