// The tokenizer interface every text component uses: SentencePiece (trained here) and
// WordPiece (HF/Google vocab.txt) behind one type. A loaded Tokenizer is immutable: encode,
// pieces, decode and every lookup may be called from many loader threads at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ptk::text {

enum class TokenizerKind { kSentencePiece, kWordPiece };

// "sentencepiece" / "wordpiece": the value written into shard attributes and manifests.
const char* to_string(TokenizerKind kind);

// Ids of the five BERT specials. Every tokenizer has all five; see the concrete headers for
// where they sit (SentencePiece models trained here: 0..4 in this order).
struct SpecialIds {
  int32_t pad = -1;
  int32_t unk = -1;
  int32_t cls = -1;
  int32_t sep = -1;
  int32_t mask = -1;
};

class Tokenizer {
 public:
  virtual ~Tokenizer() = default;

  // Token ids of `text`, without special tokens. Strict: ill-formed UTF-8 throws ptk::Error
  // naming the byte offset. For API users, who should hear about bad input.
  std::vector<int32_t> encode(std::string_view text) const;

  // Lenient: each maximal ill-formed UTF-8 subpart is encoded as U+FFFD and counted in
  // `*replaced` (added to, so one counter can span a corpus). The corpus builder uses this and
  // reports the count, so that one bad byte in a terabyte does not stop `prepare`.
  std::vector<int32_t> encode_lenient(std::string_view text, int64_t* replaced) const;

  // The token strings of encode(text), for debugging and tests. Strict like encode.
  // SentencePiece shows an unknown piece as the text it covers; WordPiece shows "[UNK]".
  std::vector<std::string> pieces(std::string_view text) const;

  // Text of `ids`. SentencePiece: its detokenisation (control symbols vanish); WordPiece:
  // tokens joined by spaces with " ##" removed, as HF's convert_tokens_to_string. Ids outside
  // [0, vocab_size) throw ptk::Error.
  virtual std::string decode(const std::vector<int32_t>& ids) const = 0;

  virtual int32_t vocab_size() const = 0;
  // Id of a token string exactly as the vocabulary spells it ("▁the", "##ing", "[MASK]").
  virtual std::optional<int32_t> id_of(std::string_view token) const = 0;
  // Token string of an id; throws ptk::Error when out of range.
  virtual std::string token_of(int32_t id) const = 0;

  const SpecialIds& special_ids() const { return special_ids_; }

  // True when `id` begins a word: a SentencePiece piece starting with "▁" (U+2581) or a
  // WordPiece token not starting with "##". [PAD], [CLS], [SEP], [MASK] and WordPiece's [UNK]
  // (which replaces a whole word) count as word starts; SentencePiece's [UNK] stands for one
  // unknown character and follows the piece rule. Whole-word masking groups a word start with
  // the non-starts that follow it.
  bool is_word_start(int32_t id) const {
    return id >= 0 && static_cast<size_t>(id) < word_start_.size() && word_start_[id] != 0;
  }

  virtual TokenizerKind kind() const = 0;
  // xxhash64 of the model / vocabulary bytes (and, for WordPiece, the casing), stored with
  // token shards so that a reader can tell shards made with a different tokenizer.
  uint64_t content_hash() const { return content_hash_; }

 protected:
  // Both called with well-formed UTF-8 only.
  virtual std::vector<int32_t> encode_valid(std::string_view text) const = 0;
  virtual std::vector<std::string> pieces_valid(std::string_view text) const = 0;

  // Filled by the concrete constructors.
  SpecialIds special_ids_;
  std::vector<uint8_t> word_start_;  // one flag per id
  uint64_t content_hash_ = 0;
};

struct TokenizerLoadOptions {
  // WordPiece only: BERT "uncased" (lowercase + strip accents) or "cased".
  bool do_lower_case = true;
};

// Opens a tokenizer by file type: "*.model" is a SentencePiece model; "*.txt" (vocab.txt) is
// a WordPiece vocabulary; a directory is searched for vocab.txt (an HF BERT folder). Errors
// name the path.
std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path,
                                          const TokenizerLoadOptions& options = {});

}  // namespace ptk::text
