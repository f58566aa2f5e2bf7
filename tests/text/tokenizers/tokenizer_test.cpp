#include "text/tokenizers/tokenizer.h"

#include <gtest/gtest.h>

#include <random>

#include "common/base/error.h"
#include "tests/text/tokenizers/tokenizer_test_corpus.h"
#include "text/tokenizers/sentencepiece_tokenizer.h"

namespace ptk::text {
namespace {

using testing::generated_corpus;
using testing::scratch_dir;
using testing::write_text;

const char* const kVocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\nHello\n";

TEST(LoadTokenizer, ModelFileIsSentencePiece) {
  const auto dir = scratch_dir("load_sp");
  write_text(dir / "corpus.txt", generated_corpus(1000));
  SentencePieceTrainOptions options;
  options.vocab_size = 300;
  train_sentencepiece((dir / "corpus.txt").string(), (dir / "tok.model").string(), options);
  const auto tokenizer = load_tokenizer((dir / "tok.model").string());
  EXPECT_EQ(tokenizer->kind(), TokenizerKind::kSentencePiece);
  EXPECT_STREQ(to_string(tokenizer->kind()), "sentencepiece");
  EXPECT_EQ(tokenizer->vocab_size(), 300);
  EXPECT_EQ(tokenizer->special_ids().mask, 4);
  EXPECT_FALSE(tokenizer->encode("The training data").empty());
}

TEST(LoadTokenizer, VocabTxtAndBertFolderAreWordPieceWithTheCasingAsked) {
  const auto dir = scratch_dir("load_wp");
  write_text(dir / "vocab.txt", kVocab);
  const auto uncased = load_tokenizer((dir / "vocab.txt").string());
  EXPECT_EQ(uncased->kind(), TokenizerKind::kWordPiece);
  EXPECT_EQ(uncased->encode("Hello world"), (std::vector<int32_t>{5, 6}));
  const auto cased = load_tokenizer(dir.string(), TokenizerLoadOptions{false});
  EXPECT_EQ(cased->kind(), TokenizerKind::kWordPiece);
  EXPECT_EQ(cased->encode("Hello world"), (std::vector<int32_t>{7, 6}));
}

TEST(LoadTokenizer, UnknownOrMissingPathsAreErrorsNamingThePath) {
  const auto dir = scratch_dir("load_errors");
  write_text(dir / "weights.bin", "x");
  for (const std::string path :
       {(dir / "weights.bin").string(), (dir / "nothing.model").string(), dir.string()}) {
    try {
      load_tokenizer(path);
      FAIL() << path << " accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
  }
}

// Random bytes (mostly ill-formed UTF-8, NULs, controls, cut sequences) through both kinds:
// strict mode either encodes or throws ptk::Error, lenient mode always encodes.
TEST(AnyTokenizer, RandomBytesNeverCrash) {
  const auto dir = scratch_dir("random_bytes");
  write_text(dir / "corpus.txt", generated_corpus(1000));
  SentencePieceTrainOptions options;
  options.vocab_size = 600;  // 256 of them byte pieces
  options.byte_fallback = true;
  train_sentencepiece((dir / "corpus.txt").string(), (dir / "tok.model").string(), options);
  write_text(dir / "vocab.txt", kVocab);
  std::mt19937 rng(2024);
  for (const auto& tokenizer : {load_tokenizer((dir / "tok.model").string()),
                                load_tokenizer((dir / "vocab.txt").string())}) {
    int rejected = 0;
    for (int i = 0; i < 2000; ++i) {
      std::string bytes(rng() % 64, '\0');
      for (char& b : bytes) {
        // Half the strings are biased to lead/continuation bytes to reach deep paths.
        b = static_cast<char>(i % 2 ? rng() % 256 : 0x80 + rng() % 0x78);
      }
      try {
        tokenizer->encode(bytes);
      } catch (const Error& e) {
        ++rejected;
        EXPECT_NE(std::string(e.what()).find("byte offset"), std::string::npos);
      }
      int64_t replaced = 0;
      const auto ids = tokenizer->encode_lenient(bytes, &replaced);
      for (int32_t id : ids) {
        ASSERT_GE(id, 0);
        ASSERT_LT(id, tokenizer->vocab_size());
      }
    }
    EXPECT_GT(rejected, 1000);
  }
}

}  // namespace
}  // namespace ptk::text
