// Test fixture: a Tokenizer that splits on spaces and looks words up in a fixed word list, so
// that corpus tests can predict every id. Ids 0..4 are [PAD] [UNK] [CLS] [SEP] [MASK]; word
// i of the list is id 5 + i; any other word is [UNK]. Words starting with "##" are
// continuation pieces.
#pragma once

#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common/base/error.h"
#include "text/tokenizers/tokenizer.h"

namespace ptk::text {

class WhitespaceTestTokenizer : public Tokenizer {
 public:
  explicit WhitespaceTestTokenizer(const std::vector<std::string>& words, uint64_t hash = 77) {
    tokens_ = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
    tokens_.insert(tokens_.end(), words.begin(), words.end());
    for (size_t i = 0; i < tokens_.size(); ++i) {
      ids_[tokens_[i]] = static_cast<int32_t>(i);
      word_start_.push_back(tokens_[i].rfind("##", 0) == 0 ? 0 : 1);
    }
    special_ids_ = SpecialIds{0, 1, 2, 3, 4};
    content_hash_ = hash;
  }

  std::string decode(const std::vector<int32_t>& ids) const override {
    std::string out;
    for (int32_t id : ids) out += (out.empty() ? "" : " ") + token_of(id);
    return out;
  }
  int32_t vocab_size() const override { return static_cast<int32_t>(tokens_.size()); }
  std::optional<int32_t> id_of(std::string_view token) const override {
    const auto it = ids_.find(std::string(token));
    if (it == ids_.end()) return std::nullopt;
    return it->second;
  }
  std::string token_of(int32_t id) const override {
    if (id < 0 || id >= vocab_size()) throw Error("test tokenizer: id out of range");
    return tokens_[id];
  }
  TokenizerKind kind() const override { return TokenizerKind::kWordPiece; }

 protected:
  std::vector<int32_t> encode_valid(std::string_view text) const override {
    std::vector<int32_t> ids;
    for (const auto& word : pieces_valid(text)) ids.push_back(id_of(word).value_or(1));
    return ids;
  }
  std::vector<std::string> pieces_valid(std::string_view text) const override {
    std::istringstream in{std::string(text)};
    std::vector<std::string> words;
    for (std::string word; in >> word;) words.push_back(word);
    return words;
  }

 private:
  std::vector<std::string> tokens_;
  std::map<std::string, int32_t> ids_;
};

}  // namespace ptk::text
