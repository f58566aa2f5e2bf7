// The vocabulary facts that training, GLUE and export need of a tokenizer, kept beside the token
// shards as `vocab.tsv` (and written by ptk-tokenize on demand), so that a LibTorch process never
// loads a tokenizer library (the process split: tokenizer_process.h). Holds every piece, whether
// it starts a word, the five BERT specials and the tokenizer's content hash (checked against the
// shards' attribute).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "text/masking/masking_policy.h"
#include "text/tokenizers/tokenizer.h"

namespace ptk::text {

// The file name inside a shard set directory.
inline constexpr char kPretrainingVocabFile[] = "vocab.tsv";

struct PretrainingVocab {
  std::vector<std::string> pieces;  // token string of each id
  std::vector<uint8_t> word_start;  // 1 when the id begins a word (whole-word masking)
  SpecialIds specials;
  std::string tokenizer_hash;  // hex64 of the tokenizer's content hash

  int32_t size() const { return static_cast<int32_t>(pieces.size()); }
  // The masking view; refers to this object, which must outlive it.
  MaskingVocab masking_vocab() const;

  // TSV: a header line "# tokenizer_hash <hex> pad <id> unk <id> cls <id> sep <id> mask <id>",
  // then one line "<id>\t<word_start 0|1>\t<piece>" per id in order. Written atomically.
  void write(const std::string& path) const;
  // Errors name the file and line: a bad header, ids out of order, a missing column.
  static PretrainingVocab read(const std::string& path);
};

// Everything above, taken from a loaded tokenizer (only its interface is used, so this does not
// tie the caller to a tokenizer library).
PretrainingVocab pretraining_vocab(const Tokenizer& tokenizer);

}  // namespace ptk::text
