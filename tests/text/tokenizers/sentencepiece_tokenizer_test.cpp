#include "text/tokenizers/sentencepiece_tokenizer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <thread>

#include "common/base/error.h"
#include "tests/text/tokenizers/tokenizer_test_corpus.h"

namespace ptk::text {
namespace {

using testing::generated_corpus;
using testing::hard_strings;
using testing::scratch_dir;
using testing::write_text;

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

struct TrainCase {
  const char* name;
  SentencePieceModelType type;
  bool byte_fallback;
};

void PrintTo(const TrainCase& c, std::ostream* os) { *os << c.name; }

class SentencePieceTrained : public ::testing::TestWithParam<TrainCase> {
 protected:
  void SetUp() override {
    dir_ = scratch_dir(std::string("sp_") + GetParam().name + "_" +
                       ::testing::UnitTest::GetInstance()->current_test_info()->name());
    corpus_ = dir_ / "corpus.txt";
    write_text(corpus_, generated_corpus(3000));
    options_.vocab_size = 600;
    options_.model_type = GetParam().type;
    options_.byte_fallback = GetParam().byte_fallback;
    options_.character_coverage = 1.0;
    model_ = (dir_ / "tok.model").string();
    summary_ = train_sentencepiece(corpus_.string(), model_, options_);
    tokenizer_ = std::make_unique<SentencePieceTokenizer>(model_);
  }

  std::filesystem::path dir_, corpus_;
  SentencePieceTrainOptions options_;
  std::string model_;
  SentencePieceTrainSummary summary_;
  std::unique_ptr<SentencePieceTokenizer> tokenizer_;
};

TEST_P(SentencePieceTrained, ReservedPiecesHaveFixedIds) {
  EXPECT_EQ(tokenizer_->vocab_size(), 600);
  EXPECT_EQ(tokenizer_->token_of(0), "[PAD]");
  EXPECT_EQ(tokenizer_->token_of(1), "[UNK]");
  EXPECT_EQ(tokenizer_->token_of(2), "[CLS]");
  EXPECT_EQ(tokenizer_->token_of(3), "[SEP]");
  EXPECT_EQ(tokenizer_->token_of(4), "[MASK]");
  const SpecialIds& ids = tokenizer_->special_ids();
  EXPECT_EQ(ids.pad, kSentencePiecePadId);
  EXPECT_EQ(ids.unk, kSentencePieceUnkId);
  EXPECT_EQ(ids.cls, kSentencePieceClsId);
  EXPECT_EQ(ids.sep, kSentencePieceSepId);
  EXPECT_EQ(ids.mask, kSentencePieceMaskId);
  EXPECT_EQ(tokenizer_->kind(), TokenizerKind::kSentencePiece);
  EXPECT_EQ(summary_.lines, 3000);
  EXPECT_EQ(summary_.repaired_lines, 0);
}

TEST_P(SentencePieceTrained, SpecialTokensNeverComeFromText) {
  for (const std::string& text : hard_strings()) {
    for (int32_t id : tokenizer_->encode(text)) {
      EXPECT_NE(id, kSentencePiecePadId) << text;
      EXPECT_NE(id, kSentencePieceClsId) << text;
      EXPECT_NE(id, kSentencePieceSepId) << text;
      EXPECT_NE(id, kSentencePieceMaskId) << text;
    }
  }
  // The literal string is spelled with ordinary pieces and decodes back to itself.
  const auto ids = tokenizer_->encode("[MASK]");
  EXPECT_GT(ids.size(), 1u);
  EXPECT_EQ(tokenizer_->decode(ids), "[MASK]");
}

TEST_P(SentencePieceTrained, HardStringsEncodeAndCoveredOnesRoundTrip) {
  for (const std::string& text : hard_strings()) {
    const auto ids = tokenizer_->encode(text);
    const auto pieces = tokenizer_->pieces(text);
    ASSERT_EQ(ids.size(), pieces.size()) << text;
    for (size_t i = 0; i < ids.size(); ++i) {
      ASSERT_GE(ids[i], 0);
      ASSERT_LT(ids[i], tokenizer_->vocab_size());
      // An unknown piece shows the text it stands for, not "[UNK]".
      if (ids[i] != kSentencePieceUnkId) EXPECT_EQ(tokenizer_->token_of(ids[i]), pieces[i]) << text;
    }
  }
  // Text made of trained characters in NFKC form with single spaces comes back unchanged.
  for (const std::string& text : std::vector<std::string>{
           "café naïve résumé Zürich", "北京大学 東京 한국어", "rocket 🚀 👍🏽",
           "don't (see above)", std::string(5000, 'a')}) {
    EXPECT_EQ(tokenizer_->decode(tokenizer_->encode(text)), text);
  }
}

TEST_P(SentencePieceTrained, EmptyAndBlankTextGiveNoIds) {
  EXPECT_TRUE(tokenizer_->encode("").empty());
  EXPECT_TRUE(tokenizer_->encode("   ").empty());
  EXPECT_TRUE(tokenizer_->pieces("").empty());
  EXPECT_EQ(tokenizer_->decode({}), "");
}

TEST_P(SentencePieceTrained, UnseenCharactersAreUnknownOrBytes) {
  const std::string unseen = "ꙮ";  // U+A66E, not in the training text
  const auto ids = tokenizer_->encode(unseen);
  const bool has_unk = std::find(ids.begin(), ids.end(), kSentencePieceUnkId) != ids.end();
  if (GetParam().byte_fallback) {
    EXPECT_FALSE(has_unk);
    EXPECT_EQ(tokenizer_->decode(ids), unseen);
    EXPECT_TRUE(tokenizer_->id_of("<0xEA>").has_value());
  } else {
    EXPECT_TRUE(has_unk);
  }
}

TEST_P(SentencePieceTrained, WordStartsAreBoundaryPieces) {
  const auto ids = tokenizer_->encode("unbelievable tokenization of shards");
  const auto pieces = tokenizer_->pieces("unbelievable tokenization of shards");
  int starts = 0;
  for (size_t i = 0; i < ids.size(); ++i) {
    const bool boundary = pieces[i].rfind("\xE2\x96\x81", 0) == 0;
    EXPECT_EQ(tokenizer_->is_word_start(ids[i]), boundary) << pieces[i];
    starts += boundary;
  }
  EXPECT_EQ(starts, 4);
  for (int32_t id : {0, 2, 3, 4}) EXPECT_TRUE(tokenizer_->is_word_start(id));
  EXPECT_FALSE(tokenizer_->is_word_start(-1));
  EXPECT_FALSE(tokenizer_->is_word_start(tokenizer_->vocab_size()));
}

TEST_P(SentencePieceTrained, InvalidUtf8IsReportedWithByteOffsetOrReplacedAndCounted) {
  const std::string bad = std::string("caf\xC3") + "(ok) and \xFF end";
  try {
    tokenizer_->encode(bad);
    FAIL() << "ill-formed UTF-8 was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 3"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tokenizer_->pieces(bad), Error);
  int64_t replaced = 0;
  const auto ids = tokenizer_->encode_lenient(bad, &replaced);
  EXPECT_EQ(replaced, 2);
  EXPECT_EQ(ids, tokenizer_->encode("caf\xEF\xBF\xBD(ok) and \xEF\xBF\xBD end"));
  // Well-formed text goes through lenient mode untouched and uncounted.
  EXPECT_EQ(tokenizer_->encode_lenient("café", &replaced), tokenizer_->encode("café"));
  EXPECT_EQ(replaced, 2);
}

TEST_P(SentencePieceTrained, ConcurrentEncodeMatchesSerialEncode) {
  std::vector<std::string> lines = split_lines(generated_corpus(400, 99));
  for (const auto& s : hard_strings()) lines.push_back(s);
  std::vector<std::vector<int32_t>> serial;
  for (const auto& line : lines) serial.push_back(tokenizer_->encode(line));
  constexpr int kThreads = 8;
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 3; ++round) {
        for (size_t i = t; i < lines.size() + t; ++i) {
          const size_t k = i % lines.size();
          if (tokenizer_->encode(lines[k]) != serial[k]) ++mismatches[t];
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

TEST_P(SentencePieceTrained, SameOptionsGiveTheSameModel) {
  const std::string again = (dir_ / "again.model").string();
  train_sentencepiece(corpus_.string(), again, options_);
  const SentencePieceTokenizer second(again);
  EXPECT_EQ(second.content_hash(), tokenizer_->content_hash());
  EXPECT_EQ(second.encode("Unbelievable training data"),
            tokenizer_->encode("Unbelievable training data"));
}

INSTANTIATE_TEST_SUITE_P(
    ModelTypes, SentencePieceTrained,
    ::testing::Values(TrainCase{"unigram", SentencePieceModelType::kUnigram, false},
                      TrainCase{"bpe", SentencePieceModelType::kBpe, false},
                      TrainCase{"bpe_bytes", SentencePieceModelType::kBpe, true}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(SentencePieceTraining, UnigramAndBpeModelsDiffer) {
  const auto dir = scratch_dir("sp_differ");
  write_text(dir / "corpus.txt", generated_corpus(1500));
  SentencePieceTrainOptions options;
  options.vocab_size = 400;
  options.character_coverage = 1.0;
  train_sentencepiece((dir / "corpus.txt").string(), (dir / "u.model").string(), options);
  options.model_type = SentencePieceModelType::kBpe;
  train_sentencepiece((dir / "corpus.txt").string(), (dir / "b.model").string(), options);
  EXPECT_NE(SentencePieceTokenizer((dir / "u.model").string()).content_hash(),
            SentencePieceTokenizer((dir / "b.model").string()).content_hash());
}

TEST(SentencePieceTraining, InvalidUtf8InTrainingTextNamesFileLineAndOffset) {
  const auto dir = scratch_dir("sp_bad_text");
  std::string text = generated_corpus(800);
  text += "fine line\nbroken \xE2\x82 line\n";  // truncated euro sign on line 802
  write_text(dir / "corpus.txt", text);
  SentencePieceTrainOptions options;
  options.vocab_size = 300;
  const std::string model = (dir / "m.model").string();
  try {
    train_sentencepiece((dir / "corpus.txt").string(), model, options);
    FAIL() << "training accepted ill-formed UTF-8";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("corpus.txt:802"), std::string::npos) << message;
    EXPECT_NE(message.find("byte offset 7"), std::string::npos) << message;
  }
  EXPECT_FALSE(std::filesystem::exists(model));
  const auto summary =
      train_sentencepiece((dir / "corpus.txt").string(), model, options, /*lenient_utf8=*/true);
  EXPECT_EQ(summary.repaired_lines, 1);
  EXPECT_EQ(summary.lines, 802);
  EXPECT_TRUE(std::filesystem::exists(model));
}

TEST(SentencePieceTraining, BadInputsAndOptionsAreErrors) {
  const auto dir = scratch_dir("sp_errors");
  write_text(dir / "small.txt", "just a few words\nand a second line\n");
  SentencePieceTrainOptions options;
  options.vocab_size = 5000;  // far more pieces than this text can give
  EXPECT_THROW(
      train_sentencepiece((dir / "small.txt").string(), (dir / "m.model").string(), options),
      Error);
  options.vocab_size = 4;
  EXPECT_THROW(
      train_sentencepiece((dir / "small.txt").string(), (dir / "m.model").string(), options),
      Error);
  options.vocab_size = 100;
  try {
    train_sentencepiece((dir / "missing.txt").string(), (dir / "m.model").string(), options);
    FAIL() << "missing input accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.txt"), std::string::npos);
  }
  write_text(dir / "garbage.model", "this is not a protobuf");
  try {
    SentencePieceTokenizer tokenizer((dir / "garbage.model").string());
    FAIL() << "garbage model accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("garbage.model"), std::string::npos);
  }
}

}  // namespace
}  // namespace ptk::text
