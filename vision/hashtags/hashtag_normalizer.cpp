#include "vision/hashtags/hashtag_normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <vector>

#include "common/base/error.h"

namespace ptk::vision {
namespace {

// Characters removed from both ends: white space and every Unicode punctuation category
// (P*), which includes '#', '@', quotes and brackets. Symbols (S*: '+', '$', emoji) stay, so
// "#c++" keeps its meaning.
bool is_strippable(UChar32 c) { return u_isUWhiteSpace(c) || u_ispunct(c); }

}  // namespace

HashtagNormalizer::HashtagNormalizer() {
  UErrorCode status = U_ZERO_ERROR;
  nfkc_casefold_ = icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status) || nfkc_casefold_ == nullptr) {
    throw Error(std::string("ICU: cannot load NFKC_Casefold normalisation data: ") +
                u_errorName(status));
  }
}

NormalizedHashtag HashtagNormalizer::normalize(std::string_view raw) const {
  NormalizedHashtag result;
  // u_strFromUTF8 rejects ill-formed input (unlike UnicodeString::fromUTF8, which would
  // silently substitute U+FFFD and merge unrelated broken tags into one class).
  UErrorCode status = U_ZERO_ERROR;
  int32_t length16 = 0;
  u_strFromUTF8(nullptr, 0, &length16, raw.data(), static_cast<int32_t>(raw.size()), &status);
  if (status != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(status)) {
    result.status = HashtagStatus::kInvalidUtf8;
    return result;
  }
  std::vector<UChar> utf16(static_cast<size_t>(length16) + 1);
  status = U_ZERO_ERROR;
  u_strFromUTF8(utf16.data(), length16 + 1, nullptr, raw.data(), static_cast<int32_t>(raw.size()),
                &status);
  if (U_FAILURE(status)) {
    result.status = HashtagStatus::kInvalidUtf8;
    return result;
  }
  icu::UnicodeString input(utf16.data(), length16);
  const auto* normalizer = static_cast<const icu::Normalizer2*>(nfkc_casefold_);
  status = U_ZERO_ERROR;
  icu::UnicodeString folded = normalizer->normalize(input, status);
  if (U_FAILURE(status)) {
    throw Error(std::string("ICU: NFKC_Casefold failed: ") + u_errorName(status));
  }

  // Trim, then collapse inner white space runs to a single U+0020.
  int32_t begin = 0, end = folded.length();
  while (begin < end && is_strippable(folded.char32At(begin))) begin = folded.moveIndex32(begin, 1);
  while (end > begin) {
    const int32_t previous = folded.moveIndex32(end, -1);
    if (!is_strippable(folded.char32At(previous))) break;
    end = previous;
  }
  icu::UnicodeString cleaned;
  bool in_space = false;
  for (int32_t i = begin; i < end; i = folded.moveIndex32(i, 1)) {
    const UChar32 c = folded.char32At(i);
    if (u_isUWhiteSpace(c)) {
      in_space = true;
      continue;
    }
    if (in_space) cleaned.append(static_cast<UChar>(0x20));
    in_space = false;
    cleaned.append(c);
  }
  if (cleaned.isEmpty()) {
    result.status = HashtagStatus::kEmpty;
    return result;
  }
  cleaned.toUTF8String(result.text);
  return result;
}

const char* to_string(HashtagStatus status) {
  switch (status) {
    case HashtagStatus::kOk:
      return "ok";
    case HashtagStatus::kInvalidUtf8:
      return "invalid UTF-8";
    case HashtagStatus::kEmpty:
      return "empty";
  }
  return "?";
}

}  // namespace ptk::vision
