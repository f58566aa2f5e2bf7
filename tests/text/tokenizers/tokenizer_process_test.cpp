// ptk-tokenize as LibTorch programs use it (TokenizerProcess): the child's ids and vocab.tsv
// equal the in-process tokenizer's for a trained SentencePiece model and a WordPiece vocab,
// invalid UTF-8 is counted, and a bad tokenizer or a missing tool is a clear error.
#include "text/tokenizers/tokenizer_process.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "tests/text/tokenizers/tokenizer_test_corpus.h"
#include "text/tokenizers/pretraining_vocab.h"
#include "text/tokenizers/sentencepiece_tokenizer.h"
#include "text/tokenizers/tokenizer.h"

namespace ptk::text {
namespace {

using testing::generated_corpus;
using testing::hard_strings;
using testing::scratch_dir;
using testing::write_text;

const std::string kTool = std::string(PTK_BINARY_DIR) + "/ptk-tokenize";

std::vector<std::string> test_lines() {
  std::vector<std::string> lines;
  for (const std::string& text : hard_strings()) {
    if (text.find('\n') == std::string::npos) lines.push_back(text);
  }
  lines.push_back("");
  lines.push_back("plain words, then \xff\xfe invalid bytes");
  return lines;
}

void expect_same_as_in_process(const std::string& tokenizer_path) {
  const std::unique_ptr<Tokenizer> local = load_tokenizer(tokenizer_path);
  TokenizerProcess process(tokenizer_path, kTool);
  const std::vector<std::string> lines = test_lines();
  const EncodedLines encoded = process.encode(lines);
  ASSERT_EQ(encoded.ids.size(), lines.size());
  int64_t replaced = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    EXPECT_EQ(encoded.ids[i], local->encode_lenient(lines[i], &replaced)) << lines[i];
  }
  EXPECT_EQ(encoded.replaced, replaced);
  EXPECT_GT(encoded.replaced, 0);

  const PretrainingVocab vocab = PretrainingVocab::read(process.vocab_file());
  const PretrainingVocab expected = pretraining_vocab(*local);
  EXPECT_EQ(vocab.pieces, expected.pieces);
  EXPECT_EQ(vocab.word_start, expected.word_start);
  EXPECT_EQ(vocab.tokenizer_hash, expected.tokenizer_hash);
  EXPECT_EQ(vocab.specials.mask, local->special_ids().mask);
}

TEST(TokenizerProcess, SentencePieceChildEncodesLikeTheLibrary) {
  const auto dir = scratch_dir("process_sentencepiece");
  write_text(dir / "corpus.txt", generated_corpus(2000));
  SentencePieceTrainOptions options;
  options.vocab_size = 400;
  options.character_coverage = 1.0;
  train_sentencepiece((dir / "corpus.txt").string(), (dir / "tok.model").string(), options);
  EXPECT_FALSE(is_wordpiece_path((dir / "tok.model").string()));
  expect_same_as_in_process((dir / "tok.model").string());
}

TEST(TokenizerProcess, WordPieceChildEncodesLikeTheLibrary) {
  const auto dir = scratch_dir("process_wordpiece");
  std::string vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  for (const char* word : {"the", "##s", "word", "plain", ",", "then", "in", "##valid", "bytes"}) {
    vocab += std::string(word) + "\n";
  }
  write_text(dir / "vocab.txt", vocab);
  EXPECT_TRUE(is_wordpiece_path((dir / "vocab.txt").string()));
  EXPECT_TRUE(is_wordpiece_path(dir.string()));
  expect_same_as_in_process((dir / "vocab.txt").string());
}

TEST(TokenizerProcess, FileInputKeepsEveryLineIncludingTheLastWithoutNewline) {
  const auto dir = scratch_dir("process_file");
  write_text(dir / "vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\nb\n");
  write_text(dir / "lines.txt", "a b\r\n\nb");
  const EncodedLines encoded = TokenizerProcess((dir / "vocab.txt").string(), kTool)
                                   .encode_file((dir / "lines.txt").string());
  EXPECT_EQ(encoded.ids, (std::vector<std::vector<int32_t>>{{5, 6}, {}, {6}}));
  EXPECT_EQ(encoded.replaced, 0);
}

TEST(TokenizerProcess, BadTokenizerOrMissingToolIsAClearError) {
  const auto dir = scratch_dir("process_errors");
  write_text(dir / "broken.model", "this is not a SentencePiece model");
  write_text(dir / "vocab.json", "{}");
  try {
    TokenizerProcess((dir / "broken.model").string(), kTool).encode({"text"});
    FAIL() << "a broken model was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broken.model"), std::string::npos) << e.what();
  }
  EXPECT_THROW(is_wordpiece_path((dir / "vocab.json").string()), Error);
  EXPECT_THROW(TokenizerProcess((dir / "missing.model").string(), kTool), Error);
  try {
    TokenizerProcess((dir / "broken.model").string(), (dir / "no-such-tool").string());
    FAIL() << "a missing tool was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("ptk-tokenize"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace ptk::text
