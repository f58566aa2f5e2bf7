#include "vision/hashtags/hashtag_normalizer.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

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
            "strasse");                        // ß folds to ss
  EXPECT_EQ(ok(n, "\xEF\xAC\x81sh"), "fish");  // the "ﬁ" ligature
  EXPECT_EQ(ok(n, "Cafe\xCC\x81"), "cafe");    // a combining accent on a Latin letter goes
  EXPECT_EQ(ok(n, "#\xCE\xA3\xCE\x9F\xCE\xA6\xCE\x99\xCE\x91"),
            "\xCF\x83\xCE\xBF\xCF\x86\xCE\xB9\xCE\xB1");  // ΣΟΦΙΑ -> σοφια
}

// Raw hashtag -> the folded text a user expects, which is how WordNet spells the noun. Written
// precomposed (NFC) unless the escape says otherwise.
const std::vector<std::pair<std::string, std::string>>& latin_folding_table() {
  static const std::vector<std::pair<std::string, std::string>> table = {
      // The issue's five tags.
      {"#Café", "cafe"},
      {"#Zürich", "zurich"},
      {"#São_Paulo", "sao_paulo"},
      {"#crème_brûlée", "creme_brulee"},
      {"#İstanbul", "istanbul"},
      // Turkish dotted capital İ and dotless ı.
      {"#İSTANBUL", "istanbul"},
      {"#ıstanbul", "istanbul"},
      {"#ISTANBUL", "istanbul"},
      // Accents, cedillas, tildes, umlauts, rings, carons, the Vietnamese horn.
      {"#Québec", "quebec"},
      {"#Señor", "senor"},
      {"#Curaçao", "curacao"},
      {"#Doppelgänger", "doppelganger"},
      {"#Ångström", "angstrom"},
      {"#FIANCÉE", "fiancee"},
      {"#Jalapeño", "jalapeno"},
      {"#Dvořák", "dvorak"},
      {"#Phở", "pho"},
      {"#crème brûlée", "creme brulee"},
      // The same letters typed decomposed: letter + combining mark.
      {"#Zu\xCC\x88rich", "zurich"},
      {"#I\xCC\x87stanbul", "istanbul"},
      // Ligatures and letters NFD does not decompose.
      {"#Straße", "strasse"},
      {"#STRASSE", "strasse"},
      {"#Æsthete", "aesthete"},
      {"#Œdema", "oedema"},
      {"#Ĳssel", "ijssel"},
      {"#Smørgåsbord", "smorgasbord"},
      {"#Łódź", "lodz"},
      {"#Đakovo", "dakovo"},
      {"#Þórr", "thorr"},
      {"#e\xEF\xAC\x80ort", "effort"},  // the "ﬀ" ligature
      // Fullwidth forms.
      {"＃ＣＡＦＥ", "cafe"},
      {"＃Ｚｕ\xCC\x88ｒｉｃｈ", "zurich"},
  };
  return table;
}

TEST(HashtagNormalizer, FoldsLatinDiacriticsLigaturesAndTurkishIToAscii) {
  const HashtagNormalizer n;
  for (const auto& [raw, expected] : latin_folding_table()) {
    EXPECT_EQ(ok(n, raw), expected) << raw;
  }
}

TEST(HashtagNormalizer, KeepsNonLatinScriptsUnchanged) {
  const HashtagNormalizer n;
  for (const char* tag :
       {"東京", "москва", "йошкар-ола", "σοφία", "القاهرة", "がっこう", "दिल्ली", "서울"}) {
    EXPECT_EQ(ok(n, std::string("#") + tag), tag) << tag;
  }
  // Case folding still applies to scripts that have case; marks stay.
  EXPECT_EQ(ok(n, "#МОСКВА"), "москва");
  EXPECT_EQ(ok(n, "#ΣΟΦΊΑ"), "σοφία");
  // Only the Latin letters of a mixed tag are folded.
  EXPECT_EQ(ok(n, "#Café東京"), "cafe東京");
}

TEST(HashtagNormalizer, NormalisingANormalisedHashtagChangesNothing) {
  const HashtagNormalizer n;
  for (const auto& [raw, expected] : latin_folding_table()) {
    EXPECT_EQ(ok(n, expected), expected) << raw;
  }
  for (const char* tag : {"がっこう", "σοφία", "йошкар-ола",
                          "\xCC\x81"
                          "a"}) {  // a mark with no letter before it
    EXPECT_EQ(ok(n, tag), tag) << tag;
  }
}

TEST(HashtagNormalizer, OneInstanceGivesTheSameResultsOnManyThreads) {
  const HashtagNormalizer n;
  const auto& table = latin_folding_table();
  std::vector<std::vector<std::string>> results(4);
  std::vector<std::thread> threads;
  for (auto& out : results) {
    threads.emplace_back([&n, &table, &out] {
      for (int round = 0; round < 50; ++round) {
        for (const auto& entry : table) out.push_back(n.normalize(entry.first).text);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (const auto& out : results) {
    ASSERT_EQ(out.size(), 50 * table.size());
    for (size_t i = 0; i < out.size(); ++i) {
      EXPECT_EQ(out[i], table[i % table.size()].second) << table[i % table.size()].first;
    }
  }
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
