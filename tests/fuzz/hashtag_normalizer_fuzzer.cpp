// libFuzzer target for the hashtag normaliser: any bytes, valid UTF-8 or not, must come back as
// a status (ill-formed UTF-8 reported, never a crash), and a normalised hashtag must be a fixed
// point: normalising it again gives the same text, so vocabularies count each tag once.
#include <cstdint>
#include <string>
#include <string_view>

#include "common/base/error.h"
#include "tests/fuzz/fuzz_support.h"
#include "vision/hashtags/hashtag_normalizer.h"

using ptk::fuzz::expect;
using ptk::vision::HashtagStatus;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ptk::vision::HashtagNormalizer normalizer;
  const std::string_view raw(reinterpret_cast<const char*>(data), size);
  const ptk::vision::NormalizedHashtag once = normalizer.normalize(raw);
  if (once.status != HashtagStatus::kOk) {
    expect(once.text.empty(), "a rejected hashtag carries text");
    return 0;
  }
  expect(!once.text.empty(), "an accepted hashtag is empty");
  expect(once.text.front() != ' ' && once.text.back() != ' ', "surrounding white space kept");
  expect(once.text.find("  ") == std::string::npos, "a white space run was not collapsed");
  const ptk::vision::NormalizedHashtag twice = normalizer.normalize(once.text);
  expect(twice.status == HashtagStatus::kOk, "a normalised hashtag is rejected when normalised");
  expect(twice.text == once.text, "normalising a normalised hashtag changes it");
  return 0;
}
