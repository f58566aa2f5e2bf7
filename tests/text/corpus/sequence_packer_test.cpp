#include "text/corpus/sequence_packer.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "common/base/error.h"

namespace ptk::text {
namespace {

constexpr PackingIds kIds{2, 3};  // [CLS], [SEP]

// Token ids that say where they come from: 100000 + doc * 1000 + sentence * 20 + k.
int32_t origin_doc(int32_t id) { return (id - 100000) / 1000; }
int32_t origin_sentence(int32_t id) { return (id - 100000) % 1000 / 20; }

std::vector<TokenizedDocument> synthetic_corpus(size_t documents) {
  std::vector<TokenizedDocument> corpus(documents);
  for (size_t d = 0; d < documents; ++d) {
    const size_t sentences = 1 + (d * 7) % 12;  // 1..12 sentences
    for (size_t s = 0; s < sentences; ++s) {
      const size_t length = 3 + (d + s * 5) % 17;  // 3..19 tokens
      std::vector<int32_t> sentence;
      for (size_t k = 0; k < length; ++k) {
        sentence.push_back(static_cast<int32_t>(100000 + d * 1000 + s * 20 + k));
      }
      corpus[d].push_back(sentence);
    }
  }
  return corpus;
}

TEST(ClassicPacker, RecordsAreClsASepBSepWithinMaxLength) {
  const auto corpus = synthetic_corpus(60);
  ClassicPackingOptions options;
  options.max_seq_length = 32;
  const ClassicPacker packer(corpus, kIds, options);
  size_t records = 0;
  for (size_t d = 0; d < corpus.size(); ++d) {
    for (const auto& r : packer.pack(d, 0)) {
      ++records;
      const auto& t = r.tokens;
      ASSERT_LE(t.size(), 32u);
      ASSERT_GE(r.b_start, 2);
      ASSERT_LT(static_cast<size_t>(r.b_start), t.size() - 1);  // B is not empty
      EXPECT_EQ(t.front(), kIds.cls);
      EXPECT_EQ(t[r.b_start - 1], kIds.sep);
      EXPECT_EQ(t.back(), kIds.sep);
      EXPECT_EQ(std::count(t.begin(), t.end(), kIds.sep), 2);
      EXPECT_EQ(std::count(t.begin(), t.end(), kIds.cls), 1);
      EXPECT_TRUE(r.nsp_label == kActualNext || r.nsp_label == kRandomNext);
    }
  }
  EXPECT_GT(records, 60u);
}

TEST(ClassicPacker, RandomNextComesFromAnotherDocumentAndActualNextContinuesA) {
  const auto corpus = synthetic_corpus(80);
  ClassicPackingOptions options;
  options.max_seq_length = 48;
  const ClassicPacker packer(corpus, kIds, options);
  int64_t random = 0, actual = 0;
  for (size_t d = 0; d < corpus.size(); ++d) {
    for (const auto& r : packer.pack(d, 0)) {
      const std::vector<int32_t> a(r.tokens.begin() + 1, r.tokens.begin() + r.b_start - 1);
      const std::vector<int32_t> b(r.tokens.begin() + r.b_start, r.tokens.end() - 1);
      for (int32_t id : a) ASSERT_EQ(origin_doc(id), static_cast<int32_t>(d));
      const int32_t b_doc = origin_doc(b.front());
      for (int32_t id : b) ASSERT_EQ(origin_doc(id), b_doc) << "B mixes documents";
      if (r.nsp_label == kRandomNext) {
        ++random;
        EXPECT_NE(b_doc, static_cast<int32_t>(d));
      } else {
        ++actual;
        EXPECT_EQ(b_doc, static_cast<int32_t>(d));
        // B continues after A (A may have lost tokens at its end to truncation).
        EXPECT_GT(origin_sentence(b.front()), origin_sentence(a.back()));
      }
    }
  }
  EXPECT_GT(random, 0);
  EXPECT_GT(actual, 0);
  // Half of the chunks get a random next, plus the one-sentence chunks that must.
  const double rate = static_cast<double>(random) / static_cast<double>(random + actual);
  EXPECT_GT(rate, 0.4);
  EXPECT_LT(rate, 0.75);
}

TEST(ClassicPacker, OneSentenceChunkAlwaysGetsARandomNext) {
  const auto corpus = synthetic_corpus(80);
  ClassicPackingOptions options;
  options.max_seq_length = 48;
  options.random_next_prob = 0.0;
  const ClassicPacker packer(corpus, kIds, options);
  int64_t random = 0;
  for (size_t d = 0; d < corpus.size(); ++d) {
    for (const auto& r : packer.pack(d, 0)) {
      if (r.nsp_label != kRandomNext) continue;
      ++random;
      // Only a chunk of one sentence (a one-sentence document, or its last sentence) can
      // get a random next when random_next_prob is 0.
      EXPECT_EQ(origin_sentence(r.tokens[1]), origin_sentence(r.tokens[r.b_start - 2]));
    }
  }
  EXPECT_GT(random, 0);
}

TEST(ClassicPacker, PutsBackUnusedSentencesSoEverySentenceAppearsAsA) {
  // With no short targets and no truncation pressure, every sentence of a document is in
  // segment A of some record: sentences skipped for a random B are packed again.
  const auto corpus = synthetic_corpus(30);
  ClassicPackingOptions options;
  options.max_seq_length = 512;
  options.short_seq_prob = 0;
  options.random_next_prob = 1.0;
  const ClassicPacker packer(corpus, kIds, options);
  for (size_t d = 0; d < corpus.size(); ++d) {
    std::vector<bool> seen(corpus[d].size(), false);
    for (const auto& r : packer.pack(d, 0)) {
      for (int i = 1; i < r.b_start - 1; ++i) seen[origin_sentence(r.tokens[i])] = true;
    }
    EXPECT_EQ(std::count(seen.begin(), seen.end(), false), 0) << "document " << d;
  }
}

TEST(ClassicPacker, ShortSequenceProbabilityGivesShorterTargets) {
  const auto corpus = synthetic_corpus(200);
  ClassicPackingOptions options;
  options.max_seq_length = 128;
  auto mean_length = [&](double short_prob) {
    options.short_seq_prob = short_prob;
    const ClassicPacker packer(corpus, kIds, options);
    double total = 0, n = 0;
    for (size_t d = 0; d < corpus.size(); ++d) {
      for (const auto& r : packer.pack(d, 0)) total += r.tokens.size(), ++n;
    }
    return total / n;
  };
  EXPECT_LT(mean_length(1.0), 0.8 * mean_length(0.0));
}

TEST(ClassicPacker, SameSeedAndPassSameRecordsOtherPassDifferent) {
  const auto corpus = synthetic_corpus(40);
  const ClassicPacker packer(corpus, kIds, ClassicPackingOptions{});
  ClassicPackingOptions other_seed;
  other_seed.seed = 99;
  const ClassicPacker reseeded(corpus, kIds, other_seed);
  auto flatten = [](const std::vector<data::TokenRecord>& records) {
    std::vector<int32_t> all;
    for (const auto& r : records) {
      all.insert(all.end(), r.tokens.begin(), r.tokens.end());
      all.push_back(r.b_start);
      all.push_back(r.nsp_label);
    }
    return all;
  };
  std::vector<int32_t> pass0, again, pass1, seed99;
  // Packing documents in reverse order gives the same records: no state crosses documents.
  for (size_t d = corpus.size(); d-- > 0;) {
    const auto f = flatten(packer.pack(d, 0));
    again.insert(again.begin(), f.begin(), f.end());
  }
  for (size_t d = 0; d < corpus.size(); ++d) {
    const auto f0 = flatten(packer.pack(d, 0));
    pass0.insert(pass0.end(), f0.begin(), f0.end());
    const auto f1 = flatten(packer.pack(d, 1));
    pass1.insert(pass1.end(), f1.begin(), f1.end());
    const auto f2 = flatten(reseeded.pack(d, 0));
    seed99.insert(seed99.end(), f2.begin(), f2.end());
  }
  EXPECT_EQ(pass0, again);
  EXPECT_NE(pass0, pass1);
  EXPECT_NE(pass0, seed99);
}

TEST(ClassicPacker, RejectsOneDocumentAndTinyLengths) {
  const auto corpus = synthetic_corpus(1);
  EXPECT_THROW(ClassicPacker(corpus, kIds, ClassicPackingOptions{}), Error);
  const auto two = synthetic_corpus(2);
  ClassicPackingOptions options;
  options.max_seq_length = 4;
  EXPECT_THROW(ClassicPacker(two, kIds, options), Error);
}

TEST(ContiguousPacker, FillsSequencesAcrossDocumentsInOrder) {
  const auto corpus = synthetic_corpus(50);
  ContiguousPacker packer(kIds, 64);
  std::vector<data::TokenRecord> records;
  for (const auto& doc : corpus) packer.add(doc, &records);
  packer.finish(&records);

  std::vector<int32_t> expected, got;
  for (size_t d = 0; d < corpus.size(); ++d) {
    if (d > 0) expected.push_back(kIds.sep);
    for (const auto& s : corpus[d]) expected.insert(expected.end(), s.begin(), s.end());
  }
  for (size_t i = 0; i < records.size(); ++i) {
    const auto& r = records[i];
    ASSERT_LE(r.tokens.size(), 64u);
    EXPECT_EQ(r.tokens.front(), kIds.cls);
    EXPECT_EQ(r.tokens.back(), kIds.sep);
    EXPECT_EQ(r.b_start, -1);
    EXPECT_EQ(r.nsp_label, kNoNspLabel);
    // Sequences are full up to a sentence that did not fit (at most 19 tokens + a [SEP]).
    if (i + 1 < records.size()) EXPECT_GT(r.tokens.size(), 64u - 21u);
    // A document boundary at a sequence end is not repeated as a separator.
    if (!got.empty() && got.back() != kIds.sep &&
        origin_doc(got.back()) != origin_doc(r.tokens[1])) {
      got.push_back(kIds.sep);
    }
    got.insert(got.end(), r.tokens.begin() + 1, r.tokens.end() - 1);
  }
  EXPECT_EQ(got, expected);
}

TEST(ContiguousPacker, CutsASentenceLongerThanASequence) {
  TokenizedDocument doc{{10, 11, 12}, std::vector<int32_t>(25, 20), {30}};
  ContiguousPacker packer(kIds, 12);  // 10 content tokens per sequence
  std::vector<data::TokenRecord> records;
  packer.add(doc, &records);
  packer.finish(&records);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].tokens, (std::vector<int32_t>{2, 10, 11, 12, 3}));
  EXPECT_EQ(records[1].tokens.size(), 12u);
  EXPECT_EQ(records[2].tokens.size(), 12u);
  EXPECT_EQ(records[3].tokens, (std::vector<int32_t>{2, 20, 20, 20, 20, 20, 30, 3}));
}

}  // namespace
}  // namespace ptk::text
