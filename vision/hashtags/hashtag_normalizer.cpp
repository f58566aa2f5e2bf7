#include "vision/hashtags/hashtag_normalizer.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/ustring.h>
#include <unicode/utf16.h>

#include <memory>
#include <vector>

#include "common/base/enum_names.h"
#include "common/base/error.h"

namespace ptk::vision {
namespace {

// Characters removed from both ends: white space and every Unicode punctuation category
// (P*), which includes '#', '@', quotes and brackets. Symbols (S*: '+', '$', emoji) stay, so
// "#c++" keeps its meaning.
bool is_strippable(UChar32 c) { return u_isUWhiteSpace(c) || u_ispunct(c); }

// Spells out the Latin letters that have no canonical decomposition (ø ł đ æ œ ı þ ...). The
// filter keeps the transliterator off every other script and off symbols and punctuation, which
// plain Latin-ASCII would rewrite too ('«' -> "<<", '©' -> "(C)").
constexpr char kLatinToAsciiId[] = "[:Latin:] Latin-ASCII";

// ICU does not promise that one Transliterator can transliterate on two threads at once, so
// each thread builds its own on first use. The registry lookup behind createInstance is
// guarded by ICU.
const icu::Transliterator& latin_to_ascii() {
  thread_local std::unique_ptr<icu::Transliterator> transliterator;
  if (!transliterator) {
    UErrorCode status = U_ZERO_ERROR;
    transliterator.reset(icu::Transliterator::createInstance(
        icu::UnicodeString(kLatinToAsciiId, -1, US_INV), UTRANS_FORWARD, status));
    if (U_FAILURE(status) || transliterator == nullptr) {
      transliterator.reset();
      throw error(
          "ICU: cannot load the transliterator \"{}\": {}; is libicu's full data installed?",
          kLatinToAsciiId, u_errorName(status));
    }
  }
  return *transliterator;
}

// Removes the nonspacing marks (Mn: accents, cedillas, diaereses, the dot of a decomposed İ)
// that follow a Latin letter in NFD text; marks on any other script, and marks with no letter
// before them, stay ("й", "が" keep theirs).
icu::UnicodeString strip_latin_marks(const icu::UnicodeString& nfd) {
  icu::UnicodeString out;
  bool after_latin = false;
  for (int32_t i = 0; i < nfd.length(); i = nfd.moveIndex32(i, 1)) {
    const UChar32 c = nfd.char32At(i);
    if (u_charType(c) == U_NON_SPACING_MARK) {
      if (!after_latin) out.append(c);
      continue;
    }
    UErrorCode status = U_ZERO_ERROR;
    after_latin = uscript_getScript(c, &status) == USCRIPT_LATIN && U_SUCCESS(status);
    out.append(c);
  }
  return out;
}

const icu::Normalizer2* load_normalizer(const icu::Normalizer2* (*get)(UErrorCode&),
                                        const char* name) {
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* normalizer = get(status);
  fail_if(U_FAILURE(status) || normalizer == nullptr, "ICU: cannot load {} normalisation data: {}",
          name, u_errorName(status));
  return normalizer;
}

icu::UnicodeString apply(const icu::Normalizer2& normalizer, const icu::UnicodeString& text,
                         const char* name) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString result = normalizer.normalize(text, status);
  if (U_FAILURE(status)) {
    throw error("ICU: {} failed: {}", name, u_errorName(status));
  }
  return result;
}

}  // namespace

HashtagNormalizer::HashtagNormalizer()
    : nfkc_casefold_(load_normalizer(&icu::Normalizer2::getNFKCCasefoldInstance, "NFKC_Casefold")),
      nfd_(load_normalizer(&icu::Normalizer2::getNFDInstance, "NFD")) {
  latin_to_ascii();  // fails here, not on the first hashtag, when the data is missing
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
  const auto& nfkc_casefold = *static_cast<const icu::Normalizer2*>(nfkc_casefold_);
  const auto& nfd = *static_cast<const icu::Normalizer2*>(nfd_);
  // Case folding first, so Latin-ASCII sees lower case ("Æ" would give "AE", "İ" is "i" + a
  // combining dot after it). Then NFD splits accented Latin letters into letter + marks, the
  // marks go, Latin-ASCII spells out what NFD cannot split, and a last NFKC_Casefold composes
  // other scripts back and lower-cases what Latin-ASCII wrote in capitals ("ʀ" -> "R" -> "r").
  icu::UnicodeString folded = apply(nfkc_casefold, input, "NFKC_Casefold");
  folded = strip_latin_marks(apply(nfd, folded, "NFD"));
  latin_to_ascii().transliterate(folded);
  folded = apply(nfkc_casefold, folded, "NFKC_Casefold");

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
  static constexpr EnumName<HashtagStatus> kNames[] = {
      {HashtagStatus::kOk, "ok"},
      {HashtagStatus::kInvalidUtf8, "invalid UTF-8"},
      {HashtagStatus::kEmpty, "empty"}};
  return name_of(kNames, status);
}

}  // namespace ptk::vision
