// WordPiece tokenizer for HF/Google BERT vocabularies (vocab.txt): BasicTokenizer, then greedy
// longest-match-first with "##" continuations, as HF's BertTokenizer (without its added-token
// pass: "[MASK]" in raw text is punctuation and letters, never the mask id). Immutable after
// loading: encode may run from many threads at once.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "text/tokenizers/basic_tokenizer.h"
#include "text/tokenizers/tokenizer.h"

namespace ptk::text {

class WordPieceTokenizer final : public Tokenizer {
 public:
  // Words longer than this many code points become [UNK] (HF's max_input_chars_per_word).
  static constexpr size_t kMaxWordChars = 100;

  // Loads vocab.txt: one token per line, id = line number from 0; a final newline and CRLF
  // line ends are accepted. Empty or duplicate lines, ill-formed UTF-8, or a missing [PAD],
  // [UNK], [CLS], [SEP] or [MASK] throw ptk::Error naming the file and line.
  WordPieceTokenizer(const std::string& vocab_path, bool do_lower_case);

  std::string decode(const std::vector<int32_t>& ids) const override;
  int32_t vocab_size() const override { return static_cast<int32_t>(tokens_.size()); }
  std::optional<int32_t> id_of(std::string_view token) const override;
  std::string token_of(int32_t id) const override;
  TokenizerKind kind() const override { return TokenizerKind::kWordPiece; }

  bool do_lower_case() const { return basic_.do_lower_case(); }

 protected:
  std::vector<int32_t> encode_valid(std::string_view text) const override;
  std::vector<std::string> pieces_valid(std::string_view text) const override;

 private:
  // Appends the ids of one BasicTokenizer word.
  void encode_word(const std::string& word, std::vector<int32_t>* ids) const;

  std::string path_;
  BasicTokenizer basic_;
  std::vector<std::string> tokens_;
  std::unordered_map<std::string, int32_t> ids_;
};

}  // namespace ptk::text
