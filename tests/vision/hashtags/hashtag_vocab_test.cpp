#include "vision/hashtags/hashtag_vocab.h"

#include <gtest/gtest.h>

#include "common/base/error.h"
#include "tests/vision/hashtags/test_files.h"
#include "vision/hashtags/canonicalizer.h"
#include "vision/hashtags/hashtag_labeler.h"

namespace ptk::vision {
namespace {

using testing::fresh_dir;
using testing::write_text;

class HashtagVocabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fresh_dir();
    offsets_ = testing::write_tiny_wordnet(dir_, testing::tiny_synsets(), "mice mouse\n");
    wordnet_ = std::make_unique<WordNet>(WordNet::load(dir_.string()));
    canonicalizer_ = std::make_unique<Canonicalizer>(*wordnet_);
  }
  uint32_t at(testing::Tiny t) const { return offsets_[t]; }
  std::filesystem::path dir_;
  std::vector<uint32_t> offsets_;
  std::unique_ptr<WordNet> wordnet_;
  std::unique_ptr<Canonicalizer> canonicalizer_;
};

TEST_F(HashtagVocabTest, KeepsTheKMostFrequentClassesTiesBySynset) {
  HashtagCounter counter;
  for (int i = 0; i < 3; ++i) counter.add_image({{"mouse", at(testing::kMouse)}});
  for (int i = 0; i < 2; ++i) counter.add_image({{"box", at(testing::kBox)}});
  for (int i = 0; i < 2; ++i) counter.add_image({{"fly", at(testing::kFly)}});
  counter.add_image({{"glass", at(testing::kGlass)}});
  const HashtagVocab vocab = counter.build(3, *canonicalizer_);
  ASSERT_EQ(vocab.size(), 3u);
  EXPECT_EQ(vocab.entry(0).synset, at(testing::kMouse));
  EXPECT_EQ(vocab.entry(0).count, 3u);
  // box and fly tie at 2: the smaller offset (box comes first in data.noun) gets the lower id.
  EXPECT_EQ(vocab.entry(1).synset, at(testing::kBox));
  EXPECT_EQ(vocab.entry(2).synset, at(testing::kFly));
  EXPECT_FALSE(vocab.class_of_synset(at(testing::kGlass)));
  EXPECT_EQ(vocab.counts(), (std::vector<uint64_t>{3, 2, 2}));
  EXPECT_EQ(counter.build(100, *canonicalizer_).size(), 4u);
}

TEST_F(HashtagVocabTest, AClassCountsOncePerImageAndListsItsMembers) {
  HashtagCounter counter;
  const uint32_t bear = at(testing::kBrownBear);
  counter.add_image({{"brownbear", bear}, {"ursusarctos", bear}, {"brownbear", bear}});
  counter.add_image({{"ursusarctos", bear}});
  counter.add_image({{"ursusarctos", bear}});
  const HashtagVocab vocab = counter.build(10, *canonicalizer_);
  ASSERT_EQ(vocab.size(), 1u);
  EXPECT_EQ(vocab.entry(0).count, 3u);
  EXPECT_EQ(vocab.entry(0).name, "brown_bear");
  EXPECT_EQ(vocab.entry(0).members,
            (std::vector<std::pair<std::string, uint64_t>>{{"ursusarctos", 3}, {"brownbear", 1}}));
}

TEST_F(HashtagVocabTest, TsvRoundTripsIncludingAwkwardHashtags) {
  HashtagCounter counter;
  counter.add_image({{"a,b=c%d", at(testing::kMouse)}, {"box", at(testing::kBox)}});
  counter.add_image({{"mice", at(testing::kMouse)}});
  const HashtagVocab vocab = counter.build(10, *canonicalizer_);
  const auto path = (dir_ / "vocab.tsv").string();
  vocab.write_tsv(path);
  std::ifstream in(path);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header, "id\tname\tsynset\tcount\tmembers");
  std::string first;
  std::getline(in, first);
  EXPECT_EQ(first, "0\tmouse\t" + wnid(at(testing::kMouse)) + "\t2\ta%2Cb%3Dc%25d=1,mice=1");

  const HashtagVocab back = HashtagVocab::read_tsv(path);
  ASSERT_EQ(back.size(), vocab.size());
  for (size_t i = 0; i < vocab.size(); ++i) {
    EXPECT_EQ(back.entries()[i].name, vocab.entries()[i].name);
    EXPECT_EQ(back.entries()[i].synset, vocab.entries()[i].synset);
    EXPECT_EQ(back.entries()[i].count, vocab.entries()[i].count);
    EXPECT_EQ(back.entries()[i].members, vocab.entries()[i].members);
  }
  EXPECT_EQ(back.class_of_synset(at(testing::kBox)), 1);
}

TEST_F(HashtagVocabTest, BadVocabularyFileNamesLineAndField) {
  const auto path = dir_ / "vocab.tsv";
  auto expect_error = [&](const std::string& text, const std::string& needle) {
    write_text(path, text);
    try {
      HashtagVocab::read_tsv(path.string());
      ADD_FAILURE() << "expected an Error for:\n" << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  const std::string header = "id\tname\tsynset\tcount\tmembers\n";
  expect_error("id\tname\n", "vocab.tsv:1: expected the header");
  expect_error(header + "0\tbear\tn00000001\t5\n", "vocab.tsv:2: expected 5 tab-separated");
  expect_error(header + "1\tbear\tn00000001\t5\tbear=5\n", "vocab.tsv:2: field 'id'");
  expect_error(header + "0\tbear\t00000001\t5\tbear=5\n", "vocab.tsv:2: field 'synset'");
  expect_error(header + "0\tbear\tn00000001\tmany\tbear=5\n", "vocab.tsv:2: field 'count'");
  expect_error(header + "0\tbear\tn00000001\t5\tbear\n", "vocab.tsv:2: field 'members'");
  expect_error(header + "0\tbear\tn00000001\t5\t\n1\tbruin\tn00000001\t4\t\n", "appears twice");
}

TEST(HashtagVocabSize, PresetsAndIntegers) {
  EXPECT_EQ(parse_vocab_size("1.5k"), 1500);
  EXPECT_EQ(parse_vocab_size("8.5k"), 8500);
  EXPECT_EQ(parse_vocab_size("17k"), 17000);
  EXPECT_EQ(parse_vocab_size("250"), 250);
  EXPECT_THROW(parse_vocab_size("0"), Error);
  EXPECT_THROW(parse_vocab_size("2k"), Error);
}

TEST_F(HashtagVocabTest, LabelerCountsDropsAndReportsWhatItCannotUse) {
  const auto manifest = dir_ / "m.jsonl";
  write_text(manifest,
             "{\"image\": \"1.jpg\", \"hashtags\": [\"#BrownBear\", \"#UrsusArctos\", \"#mice\"]}\n"
             "{\"image\": \"2.jpg\", \"hashtags\": [\"#bruin!\", \"#instagood\", \"#\"]}\n"
             "{\"image\": \"3.jpg\", \"hashtags\": [\"#glass\"]}\n");
  // Invalid UTF-8 cannot be in JSON; TSV carries it to the labeler.
  const auto tsv = dir_ / "m.tsv";
  write_text(tsv, "4.jpg\t#box,bad\xFFtag\n");
  const HashtagNormalizer normalizer;
  HashtagLabeler labeler(normalizer, *canonicalizer_);

  HashtagCounter counter;
  for (const auto& path : {manifest, tsv}) {
    ManifestReader reader(path.string());
    ManifestRecord record;
    while (reader.next(record)) counter.add_image(labeler.canonical_tags(record, path.string()));
  }
  const HashtagVocab vocab = counter.build(2, *canonicalizer_);  // brown bear (2), then mouse
  ASSERT_EQ(vocab.size(), 2u);
  EXPECT_EQ(vocab.entry(0).synset, at(testing::kBrownBear));
  EXPECT_EQ(labeler.stats().invalid_utf8, 1u);
  ASSERT_EQ(labeler.stats().invalid_utf8_examples.size(), 1u);
  EXPECT_NE(labeler.stats().invalid_utf8_examples[0].find("m.tsv:1: hashtag 2 of 4.jpg"),
            std::string::npos);
  EXPECT_EQ(labeler.stats().not_in_wordnet, 1u);  // instagood
  EXPECT_EQ(labeler.stats().empty, 1u);           // "#"

  HashtagLabeler second(normalizer, *canonicalizer_);
  ManifestReader reader(manifest.string());
  ManifestRecord record;
  std::vector<std::vector<int32_t>> labels;
  while (reader.next(record)) labels.push_back(second.labels(record, manifest.string(), vocab));
  const int32_t bear = *vocab.class_of_synset(at(testing::kBrownBear));
  const int32_t mouse = *vocab.class_of_synset(at(testing::kMouse));
  EXPECT_EQ(labels[0], (std::vector<int32_t>{std::min(bear, mouse), std::max(bear, mouse)}));
  EXPECT_EQ(labels[1], std::vector<int32_t>{bear});
  EXPECT_TRUE(labels[2].empty());  // glass is a noun but outside the 2-class vocabulary
  EXPECT_EQ(second.stats().images, 3u);
  EXPECT_EQ(second.stats().images_without_class, 1u);
  EXPECT_EQ(second.stats().out_of_vocab, 1u);
}

}  // namespace
}  // namespace ptk::vision
