// libFuzzer target for the tokenizers: WordPiece (uncased and cased, on a small vocab.txt) and
// SentencePiece (unigram, and BPE with byte fallback, trained once at start-up) encode, encode
// leniently, split into pieces and decode the input; the input may also be a vocab.txt to load.
// Rejections must be ptk::Error; strict and lenient encoding must agree on well-formed text.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/error.h"
#include "common/base/utf8_text.h"
#include "tests/fuzz/fuzz_support.h"
#include "text/tokenizers/sentencepiece_tokenizer.h"
#include "text/tokenizers/wordpiece_tokenizer.h"

using ptk::fuzz::expect;
using ptk::text::Tokenizer;

namespace {

constexpr char kVocab[] =
    "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\n"
    "the\nquick\nbrown\nfox\njump\n##s\n##ed\n##ing\nover\nlazy\ndog\n"
    "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\nk\nl\nm\nn\no\np\nq\nr\ns\nt\nu\nv\nw\nx\ny\nz\n"
    "##a\n##e\n##o\n##t\n.\n,\n!\n?\n'\n-\n#\n"
    "caf\n##\xc3\xa9\n\xc3\xa9\n\xe4\xb8\xad\n\xe6\x96\x87\nstra\xc3\x9f\x65\nStra\xc3\x9f\x65\n";

constexpr char kCorpus[] =
    "The quick brown fox jumps over the lazy dog.\n"
    "A lazy dog sleeps; the fox jumped over it again and again!\n"
    "Caf\xc3\xa9 au lait, cr\xc3\xa8me br\xc3\xbbl\xc3\xa9\x65 et na\xc3\xafve "
    "r\xc3\xa9sum\xc3\xa9.\n"
    "\xe4\xb8\xad\xe6\x96\x87\xe5\xad\x97\xe7\xac\xa6\xe5\x92\x8c English words mixed together.\n"
    "Numbers 12345 and symbols #hashtag @user $5 100% [MASK] <tag>.\n"
    "Stra\xc3\x9f\x65 \xce\xb1\xce\xb2\xce\xb3 \xd0\xbf\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
    "emoji \xf0\x9f\x98\x80 tabs\tand  spaces.\n";

std::vector<std::unique_ptr<Tokenizer>>& tokenizers() {
  static std::vector<std::unique_ptr<Tokenizer>> all;
  return all;
}

// Every id a tokenizer returns names a token; decoding it does not throw.
void check_ids(const Tokenizer& tokenizer, const std::vector<int32_t>& ids) {
  for (const int32_t id : ids) {
    expect(id >= 0 && id < tokenizer.vocab_size(), "an encoded id outside the vocabulary");
    (void)tokenizer.token_of(id);
  }
  (void)tokenizer.decode(ids);
}

void check_tokenizer(const Tokenizer& tokenizer, std::string_view text) {
  const bool well_formed = !ptk::find_utf8_defect(text).has_value();
  int64_t replaced = 0;
  const std::vector<int32_t> lenient = tokenizer.encode_lenient(text, &replaced);
  check_ids(tokenizer, lenient);
  expect(well_formed == (replaced == 0), "lenient encoding miscounted replacements");
  if (well_formed) {
    const std::vector<int32_t> ids = tokenizer.encode(text);
    expect(ids == lenient, "strict and lenient encoding differ on well-formed text");
    expect(tokenizer.pieces(text).size() == ids.size(), "pieces and ids differ in number");
  } else {
    bool rejected = false;
    try {
      (void)tokenizer.encode(text);
    } catch (const ptk::Error&) {
      rejected = true;
    }
    expect(rejected, "strict encoding accepted ill-formed UTF-8");
    std::string repaired;
    ptk::replace_invalid_utf8(text, &repaired);
    expect(!ptk::find_utf8_defect(repaired), "repaired text is still ill-formed");
  }
  // The bytes as ids, some outside the vocabulary: decode must reject exactly those.
  std::vector<int32_t> ids;
  bool all_known = true;
  for (const char c : text.substr(0, 64)) {
    const int32_t id = static_cast<int32_t>(static_cast<uint8_t>(c)) * 3 - 16;
    all_known = all_known && id >= 0 && id < tokenizer.vocab_size();
    ids.push_back(id);
  }
  try {
    (void)tokenizer.decode(ids);
    expect(all_known, "decode accepted an id outside the vocabulary");
  } catch (const ptk::Error&) {
    expect(!all_known, "decode rejected ids inside the vocabulary");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  const auto dir = ptk::fuzz::scratch_dir() / "tokenizers";
  ptk::fuzz::write_file(dir / "vocab.txt", kVocab);
  ptk::fuzz::write_file(dir / "corpus.txt", kCorpus);
  auto& all = tokenizers();
  all.push_back(std::make_unique<ptk::text::WordPieceTokenizer>((dir / "vocab.txt").string(),
                                                                /*do_lower_case=*/true));
  all.push_back(std::make_unique<ptk::text::WordPieceTokenizer>((dir / "vocab.txt").string(),
                                                                /*do_lower_case=*/false));
  ptk::text::SentencePieceTrainOptions unigram;
  unigram.vocab_size = 80;
  unigram.character_coverage = 1.0;
  ptk::text::train_sentencepiece((dir / "corpus.txt").string(), (dir / "unigram.model").string(),
                                 unigram);
  all.push_back(
      std::make_unique<ptk::text::SentencePieceTokenizer>((dir / "unigram.model").string()));
  ptk::text::SentencePieceTrainOptions bpe;
  bpe.vocab_size = 360;
  bpe.model_type = ptk::text::SentencePieceModelType::kBpe;
  bpe.byte_fallback = true;
  bpe.character_coverage = 0.98;
  ptk::text::train_sentencepiece((dir / "corpus.txt").string(), (dir / "bpe.model").string(), bpe);
  all.push_back(std::make_unique<ptk::text::SentencePieceTokenizer>((dir / "bpe.model").string()));
  return 0;
}

// Input: one byte choosing the tokenizer (or, past the last one, "load the rest as vocab.txt"),
// then the text.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const auto& all = tokenizers();
  const size_t choice = data[0] % (all.size() + 1);
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  if (choice < all.size()) {
    check_tokenizer(*all[choice], text);
    return 0;
  }
  const auto vocab = ptk::fuzz::scratch_dir() / "tokenizers" / "fuzz_vocab.txt";
  ptk::fuzz::write_file(vocab, text);
  std::unique_ptr<Tokenizer> loaded;
  try {
    loaded = std::make_unique<ptk::text::WordPieceTokenizer>(vocab.string(), true);
  } catch (const ptk::Error&) {
    return 0;
  }
  check_tokenizer(*loaded, "the quick brown fox, caf\xc3\xa9 [MASK] ##s \xff.");
  return 0;
}
