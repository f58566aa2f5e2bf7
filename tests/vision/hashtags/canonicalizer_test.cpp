#include "vision/hashtags/canonicalizer.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/vision/hashtags/test_files.h"

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

}  // namespace
}  // namespace ptk::vision
