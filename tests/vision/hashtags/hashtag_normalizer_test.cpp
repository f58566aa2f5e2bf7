#include "vision/hashtags/hashtag_normalizer.h"

#include <gtest/gtest.h>

namespace ptk::vision {
namespace {

std::string ok(const HashtagNormalizer& n, const std::string& raw) {
  NormalizedHashtag result = n.normalize(raw);
  EXPECT_EQ(result.status, HashtagStatus::kOk) << raw;
  return result.text;
}

TEST(HashtagNormalizer, StripsHashAndSurroundingPunctuation) {
  const HashtagNormalizer n;
  EXPECT_EQ(ok(n, "#brownbear"), "brownbear");
  EXPECT_EQ(ok(n, "##BrownBear!!"), "brownbear");
  EXPECT_EQ(ok(n, "  \"#love.\" "), "love");
  EXPECT_EQ(ok(n, "(#tee-shirt)"), "tee-shirt");  // inner punctuation stays
  EXPECT_EQ(ok(n, "#c++"), "c++");                // symbols are not punctuation
}

TEST(HashtagNormalizer, AppliesNfkcAndCaseFolding) {
  const HashtagNormalizer n;
  EXPECT_EQ(ok(n, "\xEF\xBC\x83\xEF\xBC\xA2\xEF\xBC\xA5\xEF\xBC\xA1\xEF\xBC\xB2"),
            "bear");  // fullwidth "＃ＢＥＡＲ"
  EXPECT_EQ(ok(n,
               "Stra\xC3\x9F"
               "e"),
            "strasse");                             // ß folds to ss
  EXPECT_EQ(ok(n, "\xEF\xAC\x81sh"), "fish");       // the "ﬁ" ligature
  EXPECT_EQ(ok(n, "Cafe\xCC\x81"), "caf\xC3\xA9");  // combining accent composes
  EXPECT_EQ(ok(n, "#\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91"),
            "\xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1");  // ΣΟΦΙΑ -> σοφια
}

TEST(HashtagNormalizer, CollapsesInnerWhiteSpace) {
  const HashtagNormalizer n;
  EXPECT_EQ(ok(n, "brown \t  bear"), "brown bear");
}

TEST(HashtagNormalizer, ReportsInvalidUtf8) {
  const HashtagNormalizer n;
  for (const std::string raw : {std::string("bear\xFF"), std::string("\xC3"),
                                std::string("\xED\xA0\x80"),  // a UTF-16 surrogate
                                std::string("\xC0\xAF")}) {   // overlong '/'
    const NormalizedHashtag result = n.normalize(raw);
    EXPECT_EQ(result.status, HashtagStatus::kInvalidUtf8);
    EXPECT_TRUE(result.text.empty());
  }
  EXPECT_STREQ(to_string(HashtagStatus::kInvalidUtf8), "invalid UTF-8");
}

TEST(HashtagNormalizer, NothingLeftIsEmpty) {
  const HashtagNormalizer n;
  for (const char* raw : {"", "#", "!!!", "  ", "#\xE2\x80\x8B"}) {  // last: zero-width space
    EXPECT_EQ(n.normalize(raw).status, HashtagStatus::kEmpty) << raw;
  }
}

}  // namespace
}  // namespace ptk::vision
