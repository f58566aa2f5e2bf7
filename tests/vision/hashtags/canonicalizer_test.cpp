#include "vision/hashtags/canonicalizer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/vision/hashtags/test_files.h"
#include "vision/hashtags/hashtag_normalizer.h"

namespace ptk::vision {
namespace {

class CanonicalizerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_dir();
    offsets_ = testing::write_tiny_wordnet(dir_, testing::tiny_synsets(), "mice mouse\n");
    wordnet_ = std::make_unique<WordNet>(WordNet::load(dir_.string()));
    canonicalizer_ = std::make_unique<Canonicalizer>(*wordnet_);
  }
  std::optional<uint32_t> synset_of(const std::string& hashtag) const {
    auto match = canonicalizer_->canonicalize(hashtag);
    if (!match) return std::nullopt;
    return match->synset;
  }
  std::filesystem::path dir_;
  std::vector<uint32_t> offsets_;
  std::unique_ptr<WordNet> wordnet_;
  std::unique_ptr<Canonicalizer> canonicalizer_;
};

TEST_F(CanonicalizerTest, SynonymsMergeIntoTheirSynset) {
  const uint32_t brown_bear = offsets_[testing::kBrownBear];
  for (const char* tag :
       {"brownbear", "ursusarctos", "brown bear", "brown-bear", "brown_bear", "bruin"}) {
    EXPECT_EQ(synset_of(tag), brown_bear) << tag;
  }
  EXPECT_EQ(synset_of("tshirt"), offsets_[testing::kTeeShirt]);
  EXPECT_EQ(synset_of("teeshirt"), offsets_[testing::kTeeShirt]);
}

TEST_F(CanonicalizerTest, AmbiguousLemmaTakesItsFirstSense) {
  EXPECT_EQ(synset_of("bear"), offsets_[testing::kBear]);
}

TEST_F(CanonicalizerTest, IrregularPluralsGoThroughNounExc) {
  auto match = canonicalizer_->canonicalize("mice");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->synset, offsets_[testing::kMouse]);
  EXPECT_EQ(match->rule, MatchRule::kIrregularPlural);
}

TEST_F(CanonicalizerTest, RegularPluralsAreStripped) {
  EXPECT_EQ(synset_of("bears"), offsets_[testing::kBear]);
  EXPECT_EQ(synset_of("boxes"), offsets_[testing::kBox]);
  EXPECT_EQ(synset_of("flies"), offsets_[testing::kFly]);
  EXPECT_EQ(synset_of("brownbears"), offsets_[testing::kBrownBear]);
  EXPECT_EQ(synset_of("glasses"), offsets_[testing::kGlass]);  // -ses -> -s
  auto match = canonicalizer_->canonicalize("boxes");
  ASSERT_TRUE(match);
  EXPECT_EQ(match->rule, MatchRule::kRegularPlural);
  EXPECT_EQ(match->lemma, "box");
}

TEST_F(CanonicalizerTest, DoubleSIsNotAPlural) {
  EXPECT_EQ(synset_of("glass"), offsets_[testing::kGlass]);
  // A word ending in "ss" never loses its last 's': "boxss" is not "boxs" nor "box".
  EXPECT_FALSE(synset_of("boxss"));
  EXPECT_EQ(synset_of("boxs"), offsets_[testing::kBox]);
}

TEST_F(CanonicalizerTest, LemmaWithoutSeparatorsWinsACollision) {
  // "pull_over" and "pullover" both squash to "pullover"; the one spelled that way wins.
  EXPECT_EQ(synset_of("pullover"), offsets_[testing::kPullover]);
  EXPECT_EQ(synset_of("pull over"), offsets_[testing::kPullover]);
}

TEST_F(CanonicalizerTest, NonNounsAndEmptyGiveNothing) {
  EXPECT_FALSE(synset_of("instagood"));
  EXPECT_FALSE(synset_of(""));
  EXPECT_FALSE(synset_of("--"));
  EXPECT_FALSE(synset_of("ös"));  // too short a stem after stripping
}

TEST_F(CanonicalizerTest, CanonicalNameIsTheFirstLemmaLowerCased) {
  EXPECT_EQ(canonicalizer_->canonical_name(offsets_[testing::kTeeShirt]), "t-shirt");
  EXPECT_EQ(canonicalizer_->canonical_name(offsets_[testing::kBrownBear]), "brown_bear");
}

TEST(CanonicalizerDebian, PaperExampleMergesBrownBear) {
  if (!std::filesystem::exists(std::string(kDefaultWordNetDir) + "/data.noun")) {
    GTEST_SKIP() << "wordnet-base is not installed";
  }
  const WordNet wn = WordNet::load();
  const Canonicalizer canonicalizer(wn);
  EXPECT_EQ(canonicalizer.canonicalize("brownbear")->synset, 2132136u);
  EXPECT_EQ(canonicalizer.canonicalize("ursusarctos")->synset, 2132136u);
  EXPECT_EQ(canonicalizer.canonicalize("geese")->synset,
            canonicalizer.canonicalize("goose")->synset);
  EXPECT_EQ(canonicalizer.canonicalize("sneakers")->synset, 3472535u);
  EXPECT_FALSE(canonicalizer.canonicalize("instagood"));
}

// What HashtagLabeler does with a raw tag: normalise, then look the text up in WordNet.
std::optional<uint32_t> synset_of_raw(const HashtagNormalizer& normalizer,
                                      const Canonicalizer& canonicalizer, const std::string& raw) {
  const NormalizedHashtag normalized = normalizer.normalize(raw);
  if (normalized.status != HashtagStatus::kOk) return std::nullopt;
  auto match = canonicalizer.canonicalize(normalized.text);
  if (!match) return std::nullopt;
  return match->synset;
}

TEST(CanonicalizerDebian, AccentedAndTurkishTagsMeetTheirAsciiWordNetNouns) {
  if (!std::filesystem::exists(std::string(kDefaultWordNetDir) + "/data.noun")) {
    GTEST_SKIP() << "wordnet-base is not installed";
  }
  const WordNet wn = WordNet::load();
  const Canonicalizer canonicalizer(wn);
  const HashtagNormalizer normalizer;
  struct Case {
    const char* raw;
    const char* ascii;
    uint32_t synset;  // WordNet 3.0 data.noun offset of the ASCII noun's first sense
  };
  const Case cases[] = {
      // The five tags of the issue.
      {"#Café", "#cafe", 2935658},
      {"#Zürich", "#zurich", 9033117},
      {"#São_Paulo", "#sao_paulo", 8857529},
      {"#crème_brûlée", "#creme_brulee", 7619409},
      {"#İstanbul", "#istanbul", 9041785},
      // Others of the same kind, each a WordNet 3.0 noun in its ASCII spelling.
      {"#ISTANBUL", "#istanbul", 9041785},
      {"#ıstanbul", "#istanbul", 9041785},
      {"#Crème Brûlée", "#creme_brulee", 7619409},
      {"#Québec", "#quebec", 8829317},
      {"#Señor", "#senor", 6341862},
      {"#Curaçao", "#curacao", 8749042},
      {"#Smørgåsbord", "#smorgasbord", 8398773},
      {"#Œdema", "#oedema", 14316714},
      {"#Æsthete", "#aesthete", 10064537},
      {"#Ångström", "#angstrom", 13658027},
      {"＃ＣＡＦÉ", "#cafe", 2935658},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(synset_of_raw(normalizer, canonicalizer, c.raw), c.synset) << c.raw;
    EXPECT_EQ(synset_of_raw(normalizer, canonicalizer, c.ascii), c.synset) << c.ascii;
  }
  // Non-Latin tags stay valid but are not WordNet nouns.
  EXPECT_EQ(normalizer.normalize("#東京").text, "東京");
  EXPECT_FALSE(synset_of_raw(normalizer, canonicalizer, "#東京"));
  EXPECT_FALSE(synset_of_raw(normalizer, canonicalizer, "#москва"));
}

}  // namespace
}  // namespace ptk::vision
