#include "vision/hashtags/wordnet.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "common/base/error.h"
#include "tests/vision/hashtags/test_files.h"

namespace ptk::vision {
namespace {

using testing::fresh_dir;
using testing::tiny_synsets;
using testing::write_text;
using testing::write_tiny_wordnet;

TEST(WordNet, ReadsLemmasSynsetsHypernymsAndExceptions) {
  const auto dir = fresh_dir();
  const auto offsets = write_tiny_wordnet(dir, tiny_synsets(), "mice mouse\n");
  const WordNet wn = WordNet::load(dir.string());
  EXPECT_EQ(wn.num_synsets(), tiny_synsets().size());

  const Synset* brown = wn.synset(offsets[testing::kBrownBear]);
  ASSERT_NE(brown, nullptr);
  EXPECT_EQ(brown->lemmas, (std::vector<std::string>{"brown_bear", "bruin", "Ursus_arctos"}));
  EXPECT_EQ(brown->hypernyms, std::vector<uint32_t>{offsets[testing::kBear]});
  EXPECT_EQ(brown->gloss, "large ferocious bear");

  ASSERT_NE(wn.senses("ursus_arctos"), nullptr);
  EXPECT_EQ(wn.senses("ursus_arctos")->front(), offsets[testing::kBrownBear]);
  EXPECT_EQ(wn.senses("ursus arctos"), nullptr);  // index.noun joins words with '_'
  ASSERT_NE(wn.exception_bases("mice"), nullptr);
  EXPECT_EQ(*wn.exception_bases("mice"), std::vector<std::string>{"mouse"});
  EXPECT_EQ(wn.exception_bases("mouse"), nullptr);
}

TEST(WordNet, ListsSensesMostCommonFirst) {
  const auto dir = fresh_dir();
  const auto offsets = write_tiny_wordnet(dir, tiny_synsets(), "");
  const WordNet wn = WordNet::load(dir.string());
  ASSERT_NE(wn.senses("bear"), nullptr);
  EXPECT_EQ(*wn.senses("bear"),
            (std::vector<uint32_t>{offsets[testing::kBear], offsets[testing::kInvestor]}));
}

TEST(WordNet, MissingFileIsAnErrorNamingIt) {
  const auto dir = fresh_dir();
  try {
    WordNet::load(dir.string());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("data.noun"), std::string::npos) << e.what();
  }
}

TEST(WordNet, WrongSynsetOffsetNamesFileAndLine) {
  const auto dir = fresh_dir();
  write_tiny_wordnet(dir, tiny_synsets(), "");
  // Shift every byte offset by inserting one more header line.
  std::ifstream in(dir / "data.noun");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  write_text(dir / "data.noun", "  0 an extra line\n" + text);
  try {
    WordNet::load(dir.string());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("data.noun:4:"), std::string::npos) << message;
    EXPECT_NE(message.find("byte offset"), std::string::npos) << message;
  }
}

TEST(WordNet, IndexPointingAtUnknownSynsetNamesFileAndLine) {
  const auto dir = fresh_dir();
  write_tiny_wordnet(dir, tiny_synsets(), "");
  write_text(dir / "index.noun", "  1 header\nghost n 1 1 @ 1 0 99999999  \n");
  try {
    WordNet::load(dir.string());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("index.noun:2: synset 99999999"), std::string::npos)
        << e.what();
  }
}

TEST(WordNet, TruncatedIndexLineNamesFileAndLine) {
  const auto dir = fresh_dir();
  write_tiny_wordnet(dir, tiny_synsets(), "");
  write_text(dir / "index.noun", "  1 header\nbear n 2 1 @ 2 0 00000001\n");
  EXPECT_THROW(WordNet::load(dir.string()), Error);
}

TEST(WordNet, WnidIsNPlusEightDigits) {
  EXPECT_EQ(wnid(2132136), "n02132136");
  EXPECT_EQ(parse_wnid("n02132136"), 2132136u);
  EXPECT_THROW(parse_wnid("02132136"), Error);
  EXPECT_THROW(parse_wnid("n0213213x"), Error);
}

TEST(WordNet, DebianWordNet30LoadsFastAndKnowsBrownBear) {
  if (!std::filesystem::exists(std::string(kDefaultWordNetDir) + "/data.noun")) {
    GTEST_SKIP() << "wordnet-base is not installed";
  }
  const auto start = std::chrono::steady_clock::now();
  const WordNet wn = WordNet::load();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(wn.num_synsets(), 82115u);  // WordNet 3.0 noun synsets
  EXPECT_GT(wn.num_lemmas(), 117000u);
  EXPECT_LT(seconds, 2.0);  // well under a second on a normal core; slack for loaded machines
  ASSERT_NE(wn.senses("brown_bear"), nullptr);
  EXPECT_EQ(wn.senses("brown_bear")->front(), 2132136u);
  EXPECT_EQ(wn.senses("ursus_arctos")->front(), 2132136u);
  EXPECT_EQ(*wn.exception_bases("mice"), std::vector<std::string>{"mouse"});
}

}  // namespace
}  // namespace ptk::vision
