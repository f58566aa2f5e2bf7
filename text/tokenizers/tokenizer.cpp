#include "text/tokenizers/tokenizer.h"

#include <filesystem>

#include "common/base/enum_names.h"
#include "common/base/error.h"
#include "common/base/utf8_text.h"
#include "text/tokenizers/sentencepiece_tokenizer.h"
#include "text/tokenizers/wordpiece_tokenizer.h"

namespace ptk::text {

namespace {
constexpr EnumName<TokenizerKind> kTokenizerKindNames[] = {
    {TokenizerKind::kSentencePiece, "sentencepiece"}, {TokenizerKind::kWordPiece, "wordpiece"}};
}  // namespace

const char* to_string(TokenizerKind kind) { return name_of(kTokenizerKindNames, kind); }

std::vector<int32_t> Tokenizer::encode(std::string_view text) const {
  check_utf8(text, "encode");
  return encode_valid(text);
}

std::vector<int32_t> Tokenizer::encode_lenient(std::string_view text, int64_t* replaced) const {
  if (!find_utf8_defect(text)) return encode_valid(text);
  std::string repaired;
  const int64_t count = replace_invalid_utf8(text, &repaired);
  if (replaced != nullptr) *replaced += count;
  return encode_valid(repaired);
}

std::vector<std::string> Tokenizer::pieces(std::string_view text) const {
  check_utf8(text, "pieces");
  return pieces_valid(text);
}

std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path,
                                          const TokenizerLoadOptions& options) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (fs::is_directory(p, ec)) {
    const fs::path vocab = p / "vocab.txt";
    if (fs::is_regular_file(vocab, ec)) {
      return std::make_unique<WordPieceTokenizer>(vocab.string(), options.do_lower_case);
    }
    throw error(
        "{}: directory holds no vocab.txt (expected a SentencePiece .model file, a WordPiece "
        "vocab.txt, or an HF BERT folder)",
        path);
  }
  fail_if(!fs::exists(p, ec), "{}: tokenizer file does not exist", path);
  const std::string extension = p.extension().string();
  if (extension == ".model") return std::make_unique<SentencePieceTokenizer>(path);
  if (extension == ".txt") {
    return std::make_unique<WordPieceTokenizer>(path, options.do_lower_case);
  }
  throw error(
      "{}: unknown tokenizer file type (expected a SentencePiece .model file or a WordPiece "
      "vocab.txt)",
      path);
}

}  // namespace ptk::text
