#include "text/corpus/sentence_sample.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/data/input_parts.h"

namespace ptk::text {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::path(testing::TempDir()) / ("sentence_sample_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

// `lines` numbered sentences in documents of five, with blank lines (never sampled) between.
std::string write_corpus(const fs::path& path, int lines, const std::string& tag) {
  std::ofstream out(path);
  for (int i = 0; i < lines; ++i) {
    out << tag << " sentence " << i << " of the corpus.\n";
    if (i % 5 == 4) out << "\n";
  }
  return path.string();
}

// The sample of `files` cut into `parts` parts, dealt to `world` ranks; each rank samples its
// parts, saves them, and the files are merged as the tokenizer stage merges them.
std::vector<SampledSentence> sample(const std::vector<std::string>& files, int64_t parts, int world,
                                    uint64_t capacity, const fs::path& dir) {
  const auto plan = data::plan_input_parts(files, parts);
  for (int rank = world - 1; rank >= 0; --rank) {  // any order
    for (const auto& part : data::parts_of_rank(plan, rank, world)) {
      SentenceSample one(capacity);
      const auto file =
          static_cast<uint32_t>(std::find(files.begin(), files.end(), part.file) - files.begin());
      one.offer_part(part, file, /*seed=*/7);
      one.save((dir / (part.name() + ".tsv")).string());
    }
  }
  SentenceSample merged(capacity);
  for (const auto& part : plan) merged.offer_saved((dir / (part.name() + ".tsv")).string());
  return merged.sorted();
}

std::vector<std::string> texts(const std::vector<SampledSentence>& sentences) {
  std::vector<std::string> out;
  for (const auto& s : sentences) out.push_back(s.text);
  return out;
}

TEST(SentenceSample, IsTheSameForAnyPartCountAndRankSplit) {
  const auto dir = fresh_dir("splits");
  const std::vector<std::string> files = {write_corpus(dir / "a.txt", 700, "alpha"),
                                          write_corpus(dir / "b.txt", 300, "beta")};
  const auto reference = texts(sample(files, 1, 1, 100, dir));
  ASSERT_EQ(reference.size(), 100u);
  for (const int64_t parts : {2, 5, 16}) {
    for (const int world : {1, 2, 3}) {
      EXPECT_EQ(texts(sample(files, parts, world, 100, dir)), reference)
          << parts << " parts, " << world << " ranks";
    }
  }
}

TEST(SentenceSample, HoldsExactlyTheSmallestKeysOfAllPartsWithoutRepeats) {
  const auto dir = fresh_dir("exact");
  const std::vector<std::string> files = {write_corpus(dir / "a.txt", 2000, "alpha")};
  const auto got = sample(files, 8, 2, 250, dir);
  ASSERT_EQ(got.size(), 250u);
  const auto got_texts = texts(got);
  EXPECT_EQ(std::set<std::string>(got_texts.begin(), got_texts.end()).size(), 250u);
  // Brute force: every non-blank line's key, the 250 smallest.
  std::vector<uint64_t> keys;
  std::ifstream in(files[0]);
  std::string line;
  uint64_t offset = 0;
  while (std::getline(in, line)) {
    if (!line.empty()) keys.push_back(sentence_key(7, 0, offset));
    offset += line.size() + 1;
  }
  ASSERT_EQ(keys.size(), 2000u);
  std::sort(keys.begin(), keys.end());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].key, keys[i]) << i;
  // Uniform over the corpus: the last of the 8 parts (lines 1750..1999) has its share.
  const auto last = std::count_if(got.begin(), got.end(), [](const SampledSentence& s) {
    return std::stoi(s.text.substr(std::string("alpha sentence ").size())) >= 1750;
  });
  EXPECT_GT(last, 10) << "expected about 31 of 250 from the last part";
}

TEST(SentenceSample, KeepsEverythingWhenTheCorpusIsSmallerThanTheCapacity) {
  const auto dir = fresh_dir("small");
  const std::vector<std::string> files = {write_corpus(dir / "a.txt", 40, "alpha")};
  EXPECT_EQ(sample(files, 3, 2, 1000, dir).size(), 40u);
}

TEST(SentenceSample, SkipsBlankAndInvalidUtf8LinesAndTrims) {
  const auto dir = fresh_dir("lines");
  { std::ofstream(dir / "c.txt") << "  one  \n\n \t\nt\xfewo\nthree\r\n"; }
  const auto plan = data::plan_input_parts({(dir / "c.txt").string()}, 1);
  SentenceSample s(10);
  EXPECT_EQ(s.offer_part(plan[0], 0, 1), 2u);
  auto got = texts(s.sorted());
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::string>{"one", "three"}));
}

TEST(SentenceSample, SavedSampleRoundTripsAndAMalformedFileNamesItsLine) {
  const auto dir = fresh_dir("saved");
  SentenceSample s(3);
  s.offer({5, 0, 10, "text with\ttab"});
  s.offer({1, 1, 20, "first"});
  s.offer({9, 0, 30, "dropped: the largest key"});
  s.offer({3, 0, 40, "third"});
  s.save((dir / "s.tsv").string());
  SentenceSample back(3);
  back.offer_saved((dir / "s.tsv").string());
  EXPECT_EQ(texts(back.sorted()), (std::vector<std::string>{"first", "third", "text with\ttab"}));
  s.save_text((dir / "s.txt").string());
  std::ifstream in(dir / "s.txt");
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(all, "first\nthird\ntext with\ttab\n");

  std::ofstream(dir / "bad.tsv") << "0000000000000001\t0\t5\tok\nnot a sample line\n";
  try {
    back.offer_saved((dir / "bad.tsv").string());
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.tsv' line 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(SentenceSample(0), Error);
}

}  // namespace
}  // namespace ptk::text
