#include "text/corpus/corpus_builder.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/base/error.h"
#include "common/data/input_parts.h"
#include "common/data/shard_reader.h"
#include "tests/text/corpus/whitespace_test_tokenizer.h"

namespace ptk::text {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::path(testing::TempDir()) / ("corpus_builder_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::vector<std::string> vocabulary() {
  std::vector<std::string> words;
  for (int i = 0; i < 200; ++i) words.push_back("w" + std::to_string(i));
  return words;
}

// A generated corpus in BERT's layout: `documents` documents of 2..9 sentences.
std::string write_corpus(const fs::path& path, int documents) {
  std::ofstream out(path);
  for (int d = 0; d < documents; ++d) {
    if (d) out << "\n";
    for (int s = 0; s < 2 + d % 8; ++s) {
      for (int k = 0; k < 4 + (d * 3 + s) % 11; ++k)
        out << (k ? " " : "") << "w" << (d + s + k) % 200;
      out << "\n";
    }
  }
  return path.string();
}

std::vector<data::TokenRecord> read_back(const std::string& dir) {
  const data::ShardSet set(dir);
  std::vector<data::TokenRecord> records;
  for (size_t s = 0; s < set.num_shards(); ++s) {
    const auto shard_reader = set.shard(s);
    const auto& shard = *shard_reader;
    for (uint64_t i = 0; i < shard.num_records(); ++i) {
      const auto view = shard.record(i);
      EXPECT_TRUE(shard.verify(i));
      data::TokenRecord r;
      r.tokens.assign(view.tokens.begin(), view.tokens.end());
      r.b_start = view.b_start;
      r.nsp_label = view.nsp_label;
      records.push_back(r);
    }
  }
  return records;
}

TEST(CorpusBuilder, SummaryCountsAreExactOnAHandMadeCorpus) {
  const auto dir = fresh_dir("exact");
  {
    std::ofstream(dir / "a.txt") << "w1 w2 w3\nw4 w5\n\n\nw6\nunknown words here\n";
    std::ofstream(dir / "b.txt") << "w7 w8 w9 w10\n\n   \nw11\n";
  }
  const WhitespaceTestTokenizer tokenizer(vocabulary());
  CorpusOptions options;
  options.inputs = {(dir / "a.txt").string(), (dir / "b.txt").string()};
  options.mode = PackingMode::kContiguous;
  options.max_seq_length = 10;
  options.output_dir = (dir / "shards").string();
  options.progress = false;
  const auto summary = CorpusBuilder(options, tokenizer).run();
  EXPECT_EQ(summary.files, 2);
  EXPECT_EQ(summary.lines, 10);
  EXPECT_EQ(summary.documents, 4);
  EXPECT_EQ(summary.sentences, 6);
  EXPECT_EQ(summary.tokens, 14);
  // 8 content tokens per sequence: [w1 w2 w3 w4 w5 SEP w6] (+ "unknown words here" does not
  // fit), [unk unk unk SEP w7 w8 w9 w10], [w11].
  const auto records = read_back(options.output_dir);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].tokens, (std::vector<int32_t>{2, 6, 7, 8, 9, 10, 3, 11, 3}));
  EXPECT_EQ(records[1].tokens, (std::vector<int32_t>{2, 1, 1, 1, 3, 12, 13, 14, 15, 3}));
  EXPECT_EQ(records[2].tokens, (std::vector<int32_t>{2, 16, 3}));
  EXPECT_EQ(summary.sequences, 3);
  EXPECT_EQ(summary.sequence_tokens, 22);
  EXPECT_DOUBLE_EQ(summary.padding_fraction, 1.0 - 22.0 / 30.0);
  EXPECT_EQ(summary.shards, 1u);
  const auto text = summary.to_string();
  EXPECT_NE(text.find("4 documents, 6 sentences, 14 tokens"), std::string::npos) << text;
  EXPECT_NE(text.find("3 sequences"), std::string::npos) << text;
  EXPECT_NE(text.find("26.7%"), std::string::npos) << text;
}

TEST(CorpusBuilder, ClassicShardsReadBackWithTokenizerAttributes) {
  const auto dir = fresh_dir("classic");
  const WhitespaceTestTokenizer tokenizer(vocabulary(), 0x1234abcd);
  CorpusOptions options;
  options.inputs = {write_corpus(dir / "corpus.txt", 120)};
  options.max_seq_length = 24;
  options.output_dir = (dir / "shards").string();
  options.max_shard_records = 50;
  options.tokenizer_file = "vocab.txt";
  options.progress = false;
  const auto summary = CorpusBuilder(options, tokenizer).run();
  EXPECT_EQ(summary.documents, 120);
  EXPECT_GT(summary.sequences, 120);
  EXPECT_GT(summary.random_next, 0);
  EXPECT_LT(summary.random_next, summary.sequences);

  const data::ShardSet set(options.output_dir);
  EXPECT_EQ(set.kind(), data::ShardKind::kToken);
  EXPECT_EQ(static_cast<int64_t>(set.num_samples()), summary.sequences);
  EXPECT_EQ(set.num_shards(), summary.shards);
  EXPECT_GT(set.num_shards(), 1u);
  EXPECT_EQ(set.manifest().attributes.at(data::kAttrTokenizer), "wordpiece");
  EXPECT_EQ(set.manifest().attributes.at(data::kAttrTokenizerHash), data::hex64(0x1234abcd));
  EXPECT_EQ(set.manifest().files.at("tokenizer"), "vocab.txt");
  EXPECT_EQ(set.shard(0)->attributes().at(data::kAttrTokenizerHash), data::hex64(0x1234abcd));

  int64_t tokens = 0;
  for (const auto& r : read_back(options.output_dir)) {
    ASSERT_LE(r.tokens.size(), 24u);
    EXPECT_EQ(r.tokens.front(), 2);
    EXPECT_EQ(r.tokens[r.b_start - 1], 3);
    EXPECT_EQ(r.tokens.back(), 3);
    EXPECT_TRUE(r.nsp_label == 0 || r.nsp_label == 1);
    tokens += static_cast<int64_t>(r.tokens.size());
  }
  EXPECT_EQ(tokens, summary.sequence_tokens);
}

TEST(CorpusBuilder, ShardsAreIdenticalForAnyThreadCount) {
  const auto dir = fresh_dir("threads");
  const WhitespaceTestTokenizer tokenizer(vocabulary());
  const auto input = write_corpus(dir / "corpus.txt", 300);
  std::vector<data::Manifest> manifests;
  for (int threads : {1, 3, 8}) {
    for (auto mode : {PackingMode::kClassic, PackingMode::kContiguous}) {
      CorpusOptions options;
      options.inputs = {input};
      options.mode = mode;
      options.max_seq_length = 32;
      options.dupe_factor = 2;
      options.threads = threads;
      options.output_dir =
          (dir / (std::string(to_string(mode)) + std::to_string(threads))).string();
      options.progress = false;
      CorpusBuilder(options, tokenizer).run();
      manifests.push_back(data::Manifest::load(options.output_dir));
    }
  }
  for (size_t i = 2; i < manifests.size(); ++i) {
    const auto& a = manifests[i % 2].shards;
    const auto& b = manifests[i].shards;
    ASSERT_EQ(a.size(), b.size());
    for (size_t s = 0; s < a.size(); ++s) EXPECT_EQ(a[s].xxh64, b[s].xxh64);
  }
}

TEST(CorpusBuilder, InvalidUtf8IsCountedAndReportedNotFatal) {
  const auto dir = fresh_dir("utf8");
  std::ofstream(dir / "bad.txt") << "w1 w2\nw3 \xfe w4\nw5\n\nw6 w7\n";
  const WhitespaceTestTokenizer tokenizer(vocabulary());
  CorpusOptions options;
  options.inputs = {(dir / "bad.txt").string()};
  options.output_dir = (dir / "shards").string();
  options.progress = false;
  const auto summary = CorpusBuilder(options, tokenizer).run();
  EXPECT_EQ(summary.invalid_utf8_lines, 1);
  EXPECT_EQ(summary.sentences, 3);
  EXPECT_GT(summary.sequences, 0);
  const auto text = summary.to_string();
  EXPECT_NE(text.find("bad.txt:2: invalid UTF-8"), std::string::npos) << text;
}

TEST(CorpusBuilder, RejectsBadOptionsAndTooFewDocumentsForNsp) {
  const auto dir = fresh_dir("options");
  const WhitespaceTestTokenizer tokenizer(vocabulary());
  CorpusOptions options;
  options.output_dir = (dir / "shards").string();
  options.progress = false;
  EXPECT_THROW(CorpusBuilder(options, tokenizer), Error);  // no inputs
  std::ofstream(dir / "one.txt") << "w1 w2\nw3\n";
  options.inputs = {(dir / "one.txt").string()};
  options.threads = 0;
  EXPECT_THROW(CorpusBuilder(options, tokenizer), Error);
  options.threads = 1;
  try {
    CorpusBuilder(options, tokenizer).run();
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("two documents"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "shards" / "manifest.yaml"));
  EXPECT_EQ(parse_packing_mode("contiguous"), PackingMode::kContiguous);
  EXPECT_THROW(parse_packing_mode("roberta"), Error);
}

TEST(CorpusBuilder, EachPartPacksOnItsOwnIntoShardsNamedAfterIt) {
  const auto dir = fresh_dir("parts");
  const WhitespaceTestTokenizer tokenizer(vocabulary());
  const auto input = write_corpus(dir / "corpus.txt", 200);
  const auto plan = data::plan_input_parts({input}, 3);
  ASSERT_EQ(plan.size(), 3u);
  int64_t documents = 0;
  for (const auto& part : plan) {
    CorpusOptions options;
    options.inputs = {input};
    options.max_seq_length = 32;
    options.output_dir = (dir / "shards").string();
    options.shard_prefix = part.name();
    options.write_manifest = false;
    options.max_shard_records = 100;
    options.progress = false;
    const CorpusBuilder builder(options, tokenizer);
    const TokenizedText text = builder.tokenize(part);
    EXPECT_EQ(text.source, part.describe());
    const CorpusSummary summary = builder.pack(text);
    documents += summary.documents;
    ASSERT_FALSE(summary.manifest.shards.empty());
    for (const auto& shard : summary.manifest.shards) {
      EXPECT_EQ(shard.file.rfind(part.name() + "-", 0), 0u) << shard.file;
      EXPECT_TRUE(fs::exists(dir / "shards" / shard.file)) << shard.file;
    }
    EXPECT_EQ(static_cast<int64_t>(summary.manifest.num_samples()), summary.sequences);
  }
  // Cut documents count twice: at most one more per boundary.
  EXPECT_GE(documents, 200);
  EXPECT_LE(documents, 202);
  EXPECT_FALSE(fs::exists(dir / "shards" / "manifest.yaml"));
}

TEST(CorpusBuilder, ClassicPackingOfAOneDocumentPartNamesThePartAndPrepareParts) {
  const auto dir = fresh_dir("one_document_part");
  const WhitespaceTestTokenizer tokenizer(vocabulary());
  std::ofstream(dir / "c.txt") << "w1 w2\nw3 w4\n\nw5 w6\n";
  const auto plan = data::plan_input_parts({(dir / "c.txt").string()}, 2);
  CorpusOptions options;
  options.inputs = {(dir / "c.txt").string()};
  options.output_dir = (dir / "shards").string();
  options.write_manifest = false;
  options.progress = false;
  const CorpusBuilder builder(options, tokenizer);
  try {
    builder.pack(builder.tokenize(plan[1]));
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(plan[1].describe()), std::string::npos) << what;
    EXPECT_NE(what.find("prepare.parts"), std::string::npos) << what;
  }
  // Without documents a part writes nothing, in either mode.
  std::ofstream(dir / "empty.txt") << "\n\n";
  options.inputs = {(dir / "empty.txt").string()};
  const CorpusBuilder empty(options, tokenizer);
  const auto summary = empty.pack(empty.tokenize(data::plan_input_parts(options.inputs, 1)[0]));
  EXPECT_EQ(summary.sequences, 0);
  EXPECT_TRUE(summary.manifest.shards.empty());
}

}  // namespace
}  // namespace ptk::text
