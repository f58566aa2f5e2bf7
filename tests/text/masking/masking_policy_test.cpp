#include "text/masking/masking_policy.h"

#include <gtest/gtest.h>

#include <set>

#include "common/base/error.h"
#include "tests/text/corpus/whitespace_test_tokenizer.h"

namespace ptk::text {
namespace {

// Ids of a toy vocabulary: 0..4 are [PAD] [UNK] [CLS] [SEP] [MASK]; from 5 on, even ids are
// word starts and odd ids continuation pieces ("##...").
constexpr int32_t kPad = 0, kUnk = 1, kCls = 2, kSep = 3, kMask = 4;
constexpr int32_t kVocab = 1000;

MaskingVocab toy_vocab(int32_t vocab_size = kVocab) {
  MaskingVocab v;
  v.vocab_size = vocab_size;
  v.mask_id = kMask;
  v.special_ids = {kPad, kUnk, kCls, kSep, kMask};
  v.is_word_start = [](int32_t id) { return id < 5 || id % 2 == 0; };
  return v;
}

// [CLS] A [SEP] B [SEP] [PAD]...: `content` non-special tokens, then padding.
std::vector<int32_t> sequence(data::SampleRng& rng, int content, int pad) {
  std::vector<int32_t> t{kCls};
  for (int i = 0; i < content; ++i) {
    if (i == content / 2) t.push_back(kSep);
    t.push_back(5 + static_cast<int32_t>(rng.uniform_int(kVocab - 5)));
  }
  t.push_back(kSep);
  t.insert(t.end(), pad, kPad);
  return t;
}

TEST(MaskingPolicy, ChoosesFifteenPercentAndSplitsEightyTenTen) {
  MaskingPolicy policy;
  policy.max_predictions = 1000;  // no cap: measure the rate itself
  const auto vocab = toy_vocab();
  int64_t candidates = 0, chosen = 0, masked = 0, random = 0, kept = 0;
  for (uint64_t i = 0; i < 4000; ++i) {
    data::SampleRng content_rng(7, 0, i);
    const auto tokens = sequence(content_rng, 60 + static_cast<int>(i % 50), 10);
    data::SampleRng rng(1, 0, i);
    const auto m = mask_tokens(tokens, policy, vocab, rng);
    for (int32_t t : tokens) candidates += vocab.is_special(t) ? 0 : 1;
    chosen += static_cast<int64_t>(m.positions.size());
    for (size_t k = 0; k < m.positions.size(); ++k) {
      const int32_t now = m.input_ids[m.positions[k]];
      EXPECT_EQ(m.labels[k], tokens[m.positions[k]]);
      if (now == kMask) {
        ++masked;
      } else if (now == m.labels[k]) {
        ++kept;
      } else {
        ++random;
      }
    }
    // Positions that were not chosen are untouched.
    std::set<int32_t> picked(m.positions.begin(), m.positions.end());
    for (size_t p = 0; p < tokens.size(); ++p) {
      if (!picked.count(static_cast<int32_t>(p))) EXPECT_EQ(m.input_ids[p], tokens[p]);
    }
  }
  EXPECT_NEAR(static_cast<double>(chosen) / candidates, 0.15, 0.005);
  EXPECT_NEAR(static_cast<double>(masked) / chosen, 0.80, 0.01);
  EXPECT_NEAR(static_cast<double>(random) / chosen, 0.10, 0.01);
  EXPECT_NEAR(static_cast<double>(kept) / chosen, 0.10, 0.01);
}

TEST(MaskingPolicy, NeverChoosesClsSepPadOrOtherSpecials) {
  MaskingPolicy policy;
  policy.mask_prob = 0.9;
  policy.max_predictions = 1000;
  const auto vocab = toy_vocab();
  for (uint64_t i = 0; i < 500; ++i) {
    data::SampleRng content_rng(3, 0, i);
    auto tokens = sequence(content_rng, 20, 30);
    tokens[5] = kUnk;
    data::SampleRng rng(2, 0, i);
    const auto m = mask_tokens(tokens, policy, vocab, rng);
    ASSERT_EQ(m.input_ids.size(), tokens.size());
    for (int32_t p : m.positions) EXPECT_FALSE(vocab.is_special(tokens[p])) << "position " << p;
    EXPECT_EQ(m.positions.size(), 17u);  // round(19 * 0.9): [UNK] is not a candidate
  }
}

TEST(MaskingPolicy, RandomReplacementIsNeverSpecial) {
  MaskingPolicy policy;
  policy.mask_prob = 1.0;
  policy.max_predictions = 1000;
  policy.mask_token_frac = 0.0;
  policy.random_token_frac = 1.0;
  const auto vocab = toy_vocab(8);  // 5 specials, 3 ordinary tokens
  std::set<int32_t> drawn;
  for (uint64_t i = 0; i < 200; ++i) {
    const std::vector<int32_t> tokens{kCls, 5, 6, 7, 5, 6, 7, kSep};
    data::SampleRng rng(4, 0, i);
    const auto m = mask_tokens(tokens, policy, vocab, rng);
    for (int32_t p : m.positions) {
      EXPECT_FALSE(vocab.is_special(m.input_ids[p]));
      drawn.insert(m.input_ids[p]);
    }
  }
  EXPECT_EQ(drawn, (std::set<int32_t>{5, 6, 7}));
}

TEST(MaskingPolicy, CapsPredictionsPerSequence) {
  MaskingPolicy policy;  // 15%, cap 20
  const auto vocab = toy_vocab();
  data::SampleRng content_rng(5, 0, 0);
  const auto tokens = sequence(content_rng, 500, 0);  // round(500 * 0.15) = 75 > 20
  for (uint64_t i = 0; i < 50; ++i) {
    data::SampleRng rng(5, 0, i);
    EXPECT_EQ(mask_tokens(tokens, policy, vocab, rng).positions.size(), 20u);
  }
  policy.max_predictions = 0;
  data::SampleRng rng(5, 0, 0);
  EXPECT_TRUE(mask_tokens(tokens, policy, vocab, rng).positions.empty());
}

TEST(MaskingPolicy, PredictsAtLeastOneAndNoneWithoutCandidates) {
  MaskingPolicy policy;
  const auto vocab = toy_vocab();
  data::SampleRng rng(6, 0, 0);
  EXPECT_EQ(mask_tokens({kCls, 10, 12, kSep}, policy, vocab, rng).positions.size(), 1u);
  const auto m = mask_tokens({kCls, kSep, kPad}, policy, vocab, rng);
  EXPECT_TRUE(m.positions.empty());
  EXPECT_EQ(m.input_ids, (std::vector<int32_t>{kCls, kSep, kPad}));
}

TEST(MaskingPolicy, WholeWordMasksAllPiecesOfAWordTogether) {
  MaskingPolicy policy;
  policy.whole_word = true;
  policy.max_predictions = 1000;
  const auto vocab = toy_vocab();
  int64_t chosen = 0, candidates = 0;
  for (uint64_t i = 0; i < 1000; ++i) {
    // Words of 1-3 pieces: a start (even) followed by continuations (odd).
    data::SampleRng content_rng(8, 0, i);
    std::vector<int32_t> tokens{kCls};
    while (tokens.size() < 100) {
      tokens.push_back(6 + 2 * static_cast<int32_t>(content_rng.uniform_int(400)));
      const auto pieces = content_rng.uniform_int(3);
      for (uint64_t k = 0; k < pieces; ++k) tokens.push_back(tokens.back() | 1);
    }
    tokens.push_back(kSep);
    candidates += static_cast<int64_t>(tokens.size()) - 2;
    data::SampleRng rng(9, 0, i);
    const auto m = mask_tokens(tokens, policy, vocab, rng);
    chosen += static_cast<int64_t>(m.positions.size());
    const std::set<int32_t> picked(m.positions.begin(), m.positions.end());
    for (int32_t p : m.positions) {
      // The word's start and all of its continuation pieces are chosen too.
      int32_t start = p;
      while (!vocab.is_word_start(tokens[start])) --start;
      int32_t end = start + 1;
      while (end < static_cast<int32_t>(tokens.size()) && !vocab.is_word_start(tokens[end])) {
        ++end;
      }
      for (int32_t q = start; q < end; ++q) EXPECT_TRUE(picked.count(q)) << "position " << q;
    }
  }
  // Skipping words that overshoot keeps the rate just under 15%.
  EXPECT_NEAR(static_cast<double>(chosen) / candidates, 0.15, 0.01);
}

TEST(MaskingPolicy, SameSampleSameMaskNewEpochNewMask) {
  MaskingPolicy policy;
  const auto vocab = toy_vocab();
  data::SampleRng content_rng(10, 0, 0);
  const auto tokens = sequence(content_rng, 120, 6);
  data::SampleRng a(11, 3, 42), b(11, 3, 42), c(11, 4, 42), d(11, 3, 43);
  const auto ma = mask_tokens(tokens, policy, vocab, a);
  const auto mb = mask_tokens(tokens, policy, vocab, b);
  const auto mc = mask_tokens(tokens, policy, vocab, c);
  const auto md = mask_tokens(tokens, policy, vocab, d);
  EXPECT_EQ(ma.input_ids, mb.input_ids);
  EXPECT_EQ(ma.positions, mb.positions);
  EXPECT_NE(ma.positions, mc.positions);
  EXPECT_NE(ma.positions, md.positions);
}

TEST(MaskingPolicy, RejectsBadPoliciesVocabulariesAndTokens) {
  MaskingPolicy policy;
  policy.mask_prob = 1.5;
  EXPECT_THROW(policy.validate(), Error);
  policy = {};
  policy.mask_token_frac = 0.95;
  EXPECT_THROW(policy.validate(), Error);
  policy = {};
  policy.max_predictions = -1;
  EXPECT_THROW(policy.validate(), Error);
  EXPECT_NO_THROW(MaskingPolicy{}.validate());

  EXPECT_THROW(toy_vocab(5).validate(), Error);  // nothing but specials
  auto vocab = toy_vocab();
  vocab.mask_id = 2000;
  EXPECT_THROW(vocab.validate(), Error);
  EXPECT_NO_THROW(toy_vocab().validate());

  data::SampleRng rng(1, 0, 0);
  try {
    mask_tokens({kCls, 5, kVocab + 3, kSep}, MaskingPolicy{}, toy_vocab(), rng);
    FAIL() << "expected an Error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("position 2"), std::string::npos) << e.what();
  }
}

TEST(MaskingPolicy, TokenizerWordStartsDriveWholeWordMasking) {
  // "play ##ing" is one word of two pieces: masked together or not at all.
  const WhitespaceTestTokenizer tokenizer({"the", "play", "##ing", "##ed", "kids"});
  const auto vocab = masking_vocab(tokenizer);
  EXPECT_EQ(vocab.mask_id, tokenizer.special_ids().mask);
  EXPECT_EQ(vocab.vocab_size, 10);
  MaskingPolicy policy;
  policy.whole_word = true;
  policy.mask_prob = 0.3;
  const auto body = tokenizer.encode("the kids play ##ing the play ##ed");
  std::vector<int32_t> tokens{tokenizer.special_ids().cls};
  tokens.insert(tokens.end(), body.begin(), body.end());
  tokens.push_back(tokenizer.special_ids().sep);
  int groups_seen = 0;
  for (uint64_t i = 0; i < 200; ++i) {
    data::SampleRng rng(12, 0, i);
    const auto m = mask_tokens(tokens, policy, vocab, rng);
    const std::set<int32_t> picked(m.positions.begin(), m.positions.end());
    EXPECT_EQ(picked.count(3), picked.count(4));  // play ##ing
    EXPECT_EQ(picked.count(6), picked.count(7));  // play ##ed
    groups_seen += picked.count(3) + picked.count(6) > 0 ? 1 : 0;
  }
  EXPECT_GT(groups_seen, 0);
}

}  // namespace
}  // namespace ptk::text
