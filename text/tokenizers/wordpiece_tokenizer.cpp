#include "text/tokenizers/wordpiece_tokenizer.h"

#include <fmt/format.h>
#include <xxhash.h>

#include "common/base/error.h"
#include "common/base/split.h"
#include "common/base/utf8_text.h"
#include "common/io/atomic_file.h"

namespace ptk::text {
namespace {

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

WordPieceTokenizer::WordPieceTokenizer(const std::string& vocab_path, bool do_lower_case)
    : path_(vocab_path), basic_(do_lower_case) {
  const std::string bytes = io::read_file(vocab_path);
  for_each_line(bytes, [&](uint64_t line_number, size_t, std::string_view line) {
    std::string token(line);
    const std::string where = fmt::format("{}:{}", vocab_path, line_number);
    if (token.empty()) {
      throw error(
          "{}: empty line in vocabulary (every line is one token; its id is the line number - 1)",
          where);
    }
    check_utf8(token, where);
    const auto id = static_cast<int32_t>(tokens_.size());
    const auto [it, inserted] = ids_.emplace(token, id);
    if (!inserted) {
      throw error("{}: duplicate token \"{}\" (first on line {})", where, token, it->second + 1);
    }
    tokens_.push_back(std::move(token));
  });

  std::string missing;
  const auto special = [&](const char* token) {
    const auto id = id_of(token);
    if (!id) missing += std::string(missing.empty() ? "" : ", ") + token;
    return id.value_or(-1);
  };
  special_ids_.pad = special("[PAD]");
  special_ids_.unk = special("[UNK]");
  special_ids_.cls = special("[CLS]");
  special_ids_.sep = special("[SEP]");
  special_ids_.mask = special("[MASK]");
  if (!missing.empty()) {
    throw error("{}: vocabulary lacks the special tokens {}", vocab_path, missing);
  }

  word_start_.resize(tokens_.size());
  for (size_t id = 0; id < tokens_.size(); ++id) {
    word_start_[id] = tokens_[id].compare(0, 2, "##") != 0;
  }
  // Casing changes every encoding, so it is part of the identity.
  content_hash_ = XXH64(bytes.data(), bytes.size(), do_lower_case ? 1 : 0);
}

void WordPieceTokenizer::encode_word(const std::string& word, std::vector<int32_t>* ids) const {
  // Code point boundaries: HF counts and slices the word in characters, not bytes.
  std::vector<size_t> bounds;
  for (size_t i = 0; i < word.size(); ++i) {
    if (!is_continuation_byte(word[i])) bounds.push_back(i);
  }
  const size_t chars = bounds.size();
  bounds.push_back(word.size());
  if (chars > kMaxWordChars) {
    ids->push_back(special_ids_.unk);
    return;
  }
  const size_t first = ids->size();
  std::string candidate;
  size_t start = 0;
  while (start < chars) {
    int32_t match = -1;
    size_t end = chars;
    for (; end > start; --end) {
      candidate.assign(start > 0 ? "##" : "");
      candidate.append(word, bounds[start], bounds[end] - bounds[start]);
      const auto it = ids_.find(candidate);
      if (it != ids_.end()) {
        match = it->second;
        break;
      }
    }
    if (match < 0) {
      // One uncoverable piece makes the whole word [UNK].
      ids->resize(first);
      ids->push_back(special_ids_.unk);
      return;
    }
    ids->push_back(match);
    start = end;
  }
}

std::vector<int32_t> WordPieceTokenizer::encode_valid(std::string_view text) const {
  std::vector<int32_t> ids;
  for (const std::string& word : basic_.tokenize(text)) encode_word(word, &ids);
  return ids;
}

std::vector<std::string> WordPieceTokenizer::pieces_valid(std::string_view text) const {
  std::vector<std::string> pieces;
  for (int32_t id : encode_valid(text)) pieces.push_back(tokens_[static_cast<size_t>(id)]);
  return pieces;
}

std::string WordPieceTokenizer::decode(const std::vector<int32_t>& ids) const {
  std::string text;
  for (size_t i = 0; i < ids.size(); ++i) {
    const int32_t id = ids[i];
    if (id < 0 || id >= vocab_size()) {
      throw error("{}: decode: id {} at position {} is outside the vocabulary [0, {})", path_, id,
                  i, vocab_size());
    }
    const std::string& token = tokens_[static_cast<size_t>(id)];
    // HF: " ".join(tokens).replace(" ##", ""), so a leading "##" piece keeps its marks.
    if (i > 0 && token.compare(0, 2, "##") == 0) {
      text.append(token, 2, std::string::npos);
    } else {
      if (i > 0) text.push_back(' ');
      text.append(token);
    }
  }
  return text;
}

std::optional<int32_t> WordPieceTokenizer::id_of(std::string_view token) const {
  const auto it = ids_.find(std::string(token));
  if (it == ids_.end()) return std::nullopt;
  return it->second;
}

std::string WordPieceTokenizer::token_of(int32_t id) const {
  if (id < 0 || id >= vocab_size()) {
    throw error("{}: id {} is outside the vocabulary [0, {})", path_, id, vocab_size());
  }
  return tokens_[static_cast<size_t>(id)];
}

}  // namespace ptk::text
