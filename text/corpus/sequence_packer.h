// The two ways tokenized documents become training sequences. ClassicPacker is BERT's
// sentence-pair packing with next-sentence prediction (google-research/bert
// create_pretraining_data); ContiguousPacker is RoBERTa's FULL-SENTENCES packing without NSP.
// Both produce unpadded TokenRecords (the loader pads). ClassicPacker draws all randomness from
// SampleRng(seed, pass, document index), so its output for a document does not depend on which
// thread packs it or in what order; ContiguousPacker uses no randomness.
#pragma once

#include <cstdint>
#include <vector>

#include "common/data/shard_format.h"

namespace ptk::text {

// A tokenized document: one id vector per sentence, no specials, none empty.
using TokenizedDocument = std::vector<std::vector<int32_t>>;

struct PackingIds {
  int32_t cls = -1;
  int32_t sep = -1;
};

// NSP labels as BERT's next_sentence_labels: 0 = B is the actual continuation of A,
// 1 = B is text from a random other document. Contiguous packing has no NSP target and
// stores kNoNspLabel.
constexpr int8_t kActualNext = 0;
constexpr int8_t kRandomNext = 1;
constexpr int8_t kNoNspLabel = -1;

struct ClassicPackingOptions {
  int32_t max_seq_length = 128;  // including [CLS] and both [SEP]
  double short_seq_prob = 0.1;   // chance of a shorter random target length
  double random_next_prob = 0.5;
  uint64_t seed = 12345;
  // max_seq_length < 8 or probabilities outside [0, 1]: usage_error.
  void validate() const;
};

// [CLS] A [SEP] B [SEP] with b_start = |A| + 2. Per document: sentences are gathered up to a
// target of max_seq_length - 3 tokens (with short_seq_prob a uniform target in
// [2, max_seq_length - 3]); A is a random non-empty prefix of the chunk; B is the rest, or
// with random_next_prob (always when the chunk is one sentence) sentences from a random other
// document starting at a random sentence, and then the sentences of the chunk that B did not use
// are put back for the next chunk. The pair is trimmed to max_seq_length - 3 by removing one
// token at a time from the longer segment, at its front or back with equal chance.
class ClassicPacker {
 public:
  // `documents` must outlive the packer and hold at least two documents (a random next needs
  // another document); fewer is a usage_error.
  ClassicPacker(const std::vector<TokenizedDocument>& documents, PackingIds ids,
                ClassicPackingOptions options);

  // The sequences of one document for one pass over the corpus (BERT's dupe_factor: each pass
  // packs differently). Thread safe: const, state lives in the call.
  std::vector<data::TokenRecord> pack(size_t document_index, uint64_t pass) const;

 private:
  const std::vector<TokenizedDocument>& documents_;
  PackingIds ids_;
  ClassicPackingOptions options_;
};

// [CLS] s1 s2 ... [SEP]: sentences are packed in corpus order up to max_seq_length - 2 tokens,
// across document boundaries, with a [SEP] between the last sentence of a document and the
// first of the next (as RoBERTa's extra separator) unless a sequence ends there. A sentence
// longer than a whole sequence is cut into full-length pieces. b_start = -1, nsp = kNoNspLabel.
// Feed documents in order; not thread safe.
class ContiguousPacker {
 public:
  // max_seq_length < 3: usage_error.
  ContiguousPacker(PackingIds ids, int32_t max_seq_length);

  // Appends the sequences completed by this document to `out`.
  void add(const TokenizedDocument& document, std::vector<data::TokenRecord>* out);
  // Emits the last, partly filled sequence.
  void finish(std::vector<data::TokenRecord>* out);

 private:
  void emit(std::vector<data::TokenRecord>* out);

  PackingIds ids_;
  size_t budget_;  // content tokens per sequence
  std::vector<int32_t> current_;
};

}  // namespace ptk::text
