// The layout BertTask trains on: token types from b_start, masked positions and labels, the
// counter-RNG determinism of masks, padding and flat masked positions after collation, bad
// records, and the most-frequent-token baseline over a real shard set.
#include <gtest/gtest.h>

#include <ATen/ATen.h>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "common/data/shard_reader.h"
#include "common/data/shard_writer.h"
#include "text/pretraining/bert_batch.h"
#include "text/pretraining/bert_sample.h"

namespace ptk::text {
namespace {

// Ids 0..4 are [PAD] [UNK] [CLS] [SEP] [MASK], as in models trained by ptk.
MaskingVocab test_vocab() {
  MaskingVocab vocab;
  vocab.vocab_size = 100;
  vocab.mask_id = 4;
  vocab.special_ids = {0, 1, 2, 3, 4};
  vocab.is_word_start = [](int32_t) { return true; };
  return vocab;
}

data::RecordView token_view(const std::vector<int32_t>& tokens, int32_t b_start, int8_t nsp) {
  data::RecordView view;
  view.kind = data::ShardKind::kToken;
  view.tokens.data = tokens.data();
  view.tokens.size = tokens.size();
  view.b_start = b_start;
  view.nsp_label = nsp;
  return view;
}

// [CLS] 10 11 12 [SEP] 20 21 [SEP]: B starts at 5.
const std::vector<int32_t> kPair = {2, 10, 11, 12, 3, 20, 21, 3};

TEST(BertSample, TokenTypesAreZeroForSegmentAAndOneFromBStart) {
  data::SampleRng rng(1, 0, 0);
  const BertSample s = make_bert_sample(token_view(kPair, 5, 1), 16, {}, test_vocab(), rng);
  EXPECT_EQ(s.token_types, (std::vector<int32_t>{0, 0, 0, 0, 0, 1, 1, 1}));
  EXPECT_EQ(s.nsp_label, 1);
  EXPECT_EQ(s.input_ids.size(), kPair.size());
}

TEST(BertSample, OneSegmentRecordHasOnlyTypeZeroAndNoNspLabel) {
  data::SampleRng rng(1, 0, 0);
  const BertSample s = make_bert_sample(token_view(kPair, -1, -1), 16, {}, test_vocab(), rng);
  EXPECT_EQ(s.token_types, std::vector<int32_t>(kPair.size(), 0));
  EXPECT_EQ(s.nsp_label, -1);
}

TEST(BertSample, MaskedPositionsHoldTheOriginalTokensAndSkipSpecials) {
  std::vector<int32_t> tokens = {2};
  for (int i = 0; i < 100; ++i) tokens.push_back(5 + i % 90);
  tokens.push_back(3);
  MaskingPolicy policy;
  policy.max_predictions = 100;
  data::SampleRng rng(7, 3, 11);
  const BertSample s = make_bert_sample(token_view(tokens, -1, -1), 128, policy, test_vocab(), rng);
  ASSERT_EQ(s.masked_positions.size(), 15u);  // round(100 * 0.15)
  size_t changed = 0;
  for (size_t i = 0; i < s.masked_positions.size(); ++i) {
    const int32_t p = s.masked_positions[i];
    EXPECT_NE(p, 0);
    EXPECT_NE(p, static_cast<int32_t>(tokens.size()) - 1);
    EXPECT_EQ(s.masked_labels[i], tokens[p]);
    if (i > 0) EXPECT_GT(p, s.masked_positions[i - 1]);
    changed += s.input_ids[p] != tokens[p];
  }
  EXPECT_GT(changed, 0u);
  // Positions not chosen are untouched.
  const std::set<int32_t> chosen(s.masked_positions.begin(), s.masked_positions.end());
  for (size_t t = 0; t < tokens.size(); ++t) {
    if (!chosen.count(static_cast<int32_t>(t))) EXPECT_EQ(s.input_ids[t], tokens[t]) << t;
  }
}

TEST(BertSample, MaskIsAFunctionOfSeedEpochAndPosition) {
  std::vector<int32_t> tokens = {2};
  for (int i = 0; i < 60; ++i) tokens.push_back(5 + i);
  tokens.push_back(3);
  auto masked = [&](uint64_t seed, uint64_t epoch, uint64_t position) {
    data::SampleRng rng(seed, epoch, position);
    return make_bert_sample(token_view(tokens, -1, -1), 64, {}, test_vocab(), rng).masked_positions;
  };
  EXPECT_EQ(masked(1, 2, 3), masked(1, 2, 3));
  EXPECT_NE(masked(1, 2, 3), masked(1, 3, 3));  // a new mask every epoch
  EXPECT_NE(masked(1, 2, 3), masked(1, 2, 4));
}

TEST(BertSample, RejectsRecordsLongerThanThePhaseOrWithBadSegments) {
  data::SampleRng rng(1, 0, 0);
  EXPECT_THROW(make_bert_sample(token_view(kPair, 5, 0), 4, {}, test_vocab(), rng), Error);
  EXPECT_THROW(make_bert_sample(token_view(kPair, 8, 0), 16, {}, test_vocab(), rng), Error);
  EXPECT_THROW(make_bert_sample(token_view(kPair, 0, 0), 16, {}, test_vocab(), rng), Error);
  EXPECT_THROW(make_bert_sample(token_view(kPair, 5, 3), 16, {}, test_vocab(), rng), Error);
  const std::vector<int32_t> bad = {2, 100, 3};
  EXPECT_THROW(make_bert_sample(token_view(bad, -1, -1), 16, {}, test_vocab(), rng), Error);
}

TEST(CollateBert, PadsToThePhaseLengthAndFlattensMaskedPositions) {
  BertSample a;
  a.input_ids = {2, 4, 11, 3};
  a.token_types = {0, 0, 0, 0};
  a.masked_positions = {1};
  a.masked_labels = {10};
  a.nsp_label = -1;
  BertSample b;
  b.input_ids = {2, 20, 3, 4, 3};
  b.token_types = {0, 0, 0, 1, 1};
  b.masked_positions = {1, 3};
  b.masked_labels = {21, 22};
  b.nsp_label = 0;
  const train::Batch batch = collate_bert({a, b}, 6, 0);
  EXPECT_EQ(batch.size, 2);
  const at::Tensor ids = batch.at("input_ids");
  ASSERT_EQ(ids.sizes(), (at::IntArrayRef{2, 6}));
  EXPECT_TRUE(
      ids.equal(at::tensor({2, 4, 11, 3, 0, 0, 2, 20, 3, 4, 3, 0}, at::kLong).view({2, 6})));
  EXPECT_TRUE(batch.at("attention_mask")
                  .equal(at::tensor({1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 0}, at::kLong).view({2, 6})));
  EXPECT_TRUE(batch.at("token_type_ids")
                  .equal(at::tensor({0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0}, at::kLong).view({2, 6})));
  EXPECT_TRUE(batch.at("masked_positions").equal(at::tensor({1, 7, 9}, at::kLong)));
  EXPECT_TRUE(batch.at("masked_labels").equal(at::tensor({10, 21, 22}, at::kLong)));
  EXPECT_TRUE(batch.at("nsp_labels").equal(at::tensor({-1, 0}, at::kLong)));
  EXPECT_THROW(collate_bert({b}, 4, 0), Error);
}

TEST(MlmBaseline, IsTheShareOfTheMostFrequentNonSpecialToken) {
  const std::string dir =
      (std::filesystem::temp_directory_path() / ("bert_baseline_" + std::to_string(getpid())))
          .string();
  {
    data::ShardWriterOptions o;
    o.dir = dir;
    o.kind = data::ShardKind::kToken;
    data::ShardSetWriter writer(o);
    writer.add(data::TokenRecord{{2, 7, 7, 8, 3}, -1, -1});
    writer.add(data::TokenRecord{{2, 7, 9, 3, 8, 3}, 3, 0});
    writer.finish();
  }
  const data::ShardSet shards(dir);
  const MlmBaseline baseline = mlm_baseline(shards, test_vocab());
  EXPECT_EQ(baseline.token, 7);
  EXPECT_EQ(baseline.tokens, 6);  // 7 7 8 7 9 8
  EXPECT_DOUBLE_EQ(baseline.share, 0.5);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ptk::text
