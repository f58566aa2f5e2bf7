#include "text/tokenizers/wordpiece_tokenizer.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/base/error.h"
#include "tests/text/tokenizers/tokenizer_test_corpus.h"

namespace ptk::text {
namespace {

using testing::hard_strings;
using testing::scratch_dir;
using testing::write_text;
using Pieces = std::vector<std::string>;

// A small BERT-style vocabulary; ids are line numbers from 0.
const char* const kVocab =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"      // 0-4
    "hello\n,\nworld\n!\nun\n##aff\n##able\n"   // 5-11
    "Héllo\nWORLD\na\n##a\n北\n京\n大\n"        // 12-18
    "don\n'\nt\n$\n5\nnaive\necole\nοδος\ni\n"  // 19-27
    "##world\ncafé\ncafe\n[\n]\nmask\n.\n";     // 28-34

std::string write_vocab(const std::string& name, const std::string& content = kVocab) {
  const auto dir = scratch_dir("wordpiece_" + name);
  write_text(dir / "vocab.txt", content);
  return (dir / "vocab.txt").string();
}

class WordPiece : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string path =
        write_vocab(::testing::UnitTest::GetInstance()->current_test_info()->name());
    uncased_ = std::make_unique<WordPieceTokenizer>(path, true);
    cased_ = std::make_unique<WordPieceTokenizer>(path, false);
  }
  std::unique_ptr<WordPieceTokenizer> uncased_, cased_;
};

TEST_F(WordPiece, VocabularyIdsAreLineNumbersAndSpecialsAreFound) {
  EXPECT_EQ(uncased_->vocab_size(), 35);
  EXPECT_EQ(uncased_->id_of("hello"), 5);
  EXPECT_EQ(uncased_->id_of("##able"), 11);
  EXPECT_EQ(uncased_->id_of("missing"), std::nullopt);
  EXPECT_EQ(uncased_->token_of(12), "Héllo");
  const SpecialIds& ids = uncased_->special_ids();
  EXPECT_EQ(ids.pad, 0);
  EXPECT_EQ(ids.unk, 1);
  EXPECT_EQ(ids.cls, 2);
  EXPECT_EQ(ids.sep, 3);
  EXPECT_EQ(ids.mask, 4);
  EXPECT_EQ(uncased_->kind(), TokenizerKind::kWordPiece);
}

TEST_F(WordPiece, UncasedLowercasesStripsAccentsAndSplitsPunctuation) {
  EXPECT_EQ(uncased_->encode("Héllo, WORLD!"), (std::vector<int32_t>{5, 6, 7, 8}));
  EXPECT_EQ(uncased_->pieces("Héllo, WORLD!"), (Pieces{"hello", ",", "world", "!"}));
  EXPECT_EQ(uncased_->pieces("NAÏVE École"), (Pieces{"naive", "ecole"}));
  // Decomposed accent (e + U+0301) ends the same way.
  EXPECT_EQ(uncased_->pieces("he\xCC\x81llo"), (Pieces{"hello"}));
  // Full case mapping with final sigma, as Python's str.lower().
  EXPECT_EQ(uncased_->pieces("ΟΔΟΣ"), (Pieces{"οδος"}));
  // "İ" lowercases to i + U+0307, whose mark is then dropped.
  EXPECT_EQ(uncased_->pieces("İ"), (Pieces{"i"}));
  EXPECT_EQ(uncased_->pieces("don't $5."), (Pieces{"don", "'", "t", "$", "5", "."}));
}

TEST_F(WordPiece, CasedKeepsCaseAndAccents) {
  EXPECT_EQ(cased_->pieces("Héllo, WORLD!"), (Pieces{"Héllo", ",", "WORLD", "!"}));
  EXPECT_EQ(cased_->pieces("hello World"), (Pieces{"hello", "[UNK]"}));
  EXPECT_EQ(cased_->pieces("café cafe"), (Pieces{"café", "cafe"}));
  EXPECT_EQ(uncased_->pieces("café cafe"), (Pieces{"cafe", "cafe"}));
  EXPECT_NE(cased_->content_hash(), uncased_->content_hash());
}

TEST_F(WordPiece, GreedyLongestMatchWithContinuations) {
  EXPECT_EQ(uncased_->pieces("unaffable"), (Pieces{"un", "##aff", "##able"}));
  EXPECT_EQ(uncased_->encode("unaffable"), (std::vector<int32_t>{9, 10, 11}));
  EXPECT_EQ(uncased_->pieces("helloworld"), (Pieces{"hello", "##world"}));
  // One uncoverable piece makes the whole word [UNK], not a partial match.
  EXPECT_EQ(uncased_->pieces("unaffablez world"), (Pieces{"[UNK]", "world"}));
  // An emoji is a symbol (So), not punctuation: it stays inside its word.
  EXPECT_EQ(uncased_->pieces("hello😀 world"), (Pieces{"[UNK]", "world"}));
}

TEST_F(WordPiece, CjkIdeographsAreSplitIntoCharacters) {
  EXPECT_EQ(uncased_->pieces("北京大学"), (Pieces{"北", "京", "大", "[UNK]"}));
  EXPECT_EQ(uncased_->pieces("hello北京world"), (Pieces{"hello", "北", "京", "world"}));
}

TEST_F(WordPiece, ControlCharactersAreDroppedAndWhitespaceSeparates) {
  EXPECT_EQ(uncased_->pieces("hel\x01lo wor\xE2\x80\x8Bld"), (Pieces{"hello", "world"}));
  EXPECT_EQ(uncased_->pieces(std::string("hel\0lo", 6)), (Pieces{"hello"}));
  EXPECT_EQ(uncased_->pieces("hel\xEF\xBF\xBDlo"), (Pieces{"hello"}));
  EXPECT_EQ(uncased_->pieces("hello\tworld\r\nhello\xC2\xA0world\xE2\x80\xA8hello"),
            (Pieces{"hello", "world", "hello", "world", "hello"}));
}

TEST_F(WordPiece, LongWordsBecomeUnknownPastOneHundredCharacters) {
  Pieces hundred(100, "##a");
  hundred[0] = "a";
  EXPECT_EQ(uncased_->pieces(std::string(100, 'a')), hundred);
  EXPECT_EQ(uncased_->pieces(std::string(101, 'a')), (Pieces{"[UNK]"}));
  EXPECT_EQ(uncased_->pieces(std::string(150, 'a') + " hello"), (Pieces{"[UNK]", "hello"}));
}

TEST_F(WordPiece, EmptyAndBlankTextGiveNoIds) {
  EXPECT_TRUE(uncased_->encode("").empty());
  EXPECT_TRUE(uncased_->encode(" \n\n\t ").empty());
  EXPECT_TRUE(uncased_->encode("\x01\x02").empty());
}

TEST_F(WordPiece, SpecialTokenTextIsNotASpecialId) {
  EXPECT_EQ(uncased_->pieces("[MASK]"), (Pieces{"[", "mask", "]"}));
}

TEST_F(WordPiece, InvalidUtf8IsReportedWithByteOffsetOrReplacedAndCounted) {
  try {
    uncased_->encode("hello \xFF world");
    FAIL() << "ill-formed UTF-8 accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte offset 6"), std::string::npos) << e.what();
  }
  int64_t replaced = 0;
  EXPECT_EQ(uncased_->encode_lenient("hello \xFF world \xC3", &replaced),
            (std::vector<int32_t>{5, 7}));
  EXPECT_EQ(replaced, 2);
}

TEST_F(WordPiece, DecodeJoinsContinuationsAndWordStartsFollowMarks) {
  EXPECT_EQ(uncased_->decode(uncased_->encode("unaffable, helloworld!")),
            "unaffable , helloworld !");
  EXPECT_TRUE(uncased_->is_word_start(9));    // un
  EXPECT_FALSE(uncased_->is_word_start(10));  // ##aff
  EXPECT_TRUE(uncased_->is_word_start(4));    // [MASK]
  EXPECT_THROW(uncased_->decode({35}), Error);
  EXPECT_THROW(uncased_->token_of(-1), Error);
}

TEST_F(WordPiece, HardStringsNeverCrashAndConcurrentEncodeMatchesSerial) {
  const auto strings = hard_strings();
  std::vector<std::vector<int32_t>> serial;
  for (const auto& s : strings) serial.push_back(uncased_->encode(s));
  std::vector<int> mismatches(6, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < strings.size(); ++i) {
          if (uncased_->encode(strings[(i + t) % strings.size()]) !=
              serial[(i + t) % strings.size()]) {
            ++mismatches[t];
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 6; ++t) EXPECT_EQ(mismatches[t], 0);
}

TEST(WordPieceVocabulary, CrlfLinesAndMissingFinalNewlineAreAccepted) {
  const WordPieceTokenizer tokenizer(
      write_vocab("crlf", "[PAD]\r\n[UNK]\r\n[CLS]\r\n[SEP]\r\n[MASK]\r\nhello"), true);
  EXPECT_EQ(tokenizer.vocab_size(), 6);
  EXPECT_EQ(tokenizer.encode("Hello"), (std::vector<int32_t>{5}));
}

void expect_vocab_error(const std::string& name, const std::string& content,
                        const std::string& needle) {
  const std::string path = write_vocab(name, content);
  try {
    WordPieceTokenizer tokenizer(path, true);
    FAIL() << name << ": accepted";
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

TEST(WordPieceVocabulary, BadVocabulariesNameTheLine) {
  const std::string specials = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n";
  expect_vocab_error("duplicate", specials + "a\nb\na\n", "vocab.txt:8: duplicate token \"a\"");
  expect_vocab_error("empty", specials + "a\n\nb\n", "vocab.txt:7: empty line");
  expect_vocab_error("utf8", specials + "ok\nbad\xC3\n", "vocab.txt:7: invalid UTF-8");
  expect_vocab_error("specials", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n", "[MASK]");
  EXPECT_THROW(WordPieceTokenizer("/nonexistent/vocab.txt", true), Error);
}

}  // namespace
}  // namespace ptk::text
