// Dynamic masked-LM masking (BERT / RoBERTa): chooses prediction positions in a token sequence
// and corrupts them 80/10/10, at load time. Torch-free: it produces int vectors. All randomness
// comes from the caller's SampleRng, keyed by (seed, epoch, sample index), so a sample's mask is
// the same on every thread and every rerun, and different in every epoch.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "common/data/philox.h"

namespace ptk::text {

class Tokenizer;

struct MaskingPolicy {
  double mask_prob = 0.15;         // share of candidate positions to predict
  int32_t max_predictions = 20;    // cap per sequence (BERT: 20 at 128, 76-80 at 512)
  double mask_token_frac = 0.8;    // of the chosen: replaced by [MASK]
  double random_token_frac = 0.1;  // of the chosen: replaced by a random non-special token
  bool whole_word = false;         // mask all pieces of a word together

  // Probabilities outside [0, 1], fractions summing over 1 or a negative cap: usage_error.
  void validate() const;
};

// What masking needs to know about the vocabulary. `special_ids` are never chosen and never
// drawn as random replacements ([PAD], [UNK], [CLS], [SEP], [MASK]); `is_word_start` says
// whether a piece begins a word (WordPiece: no "##" prefix; SentencePiece: a "▁" prefix), used
// only with whole-word masking.
struct MaskingVocab {
  int32_t vocab_size = 0;
  int32_t mask_id = -1;
  std::vector<int32_t> special_ids;  // must contain mask_id
  std::function<bool(int32_t)> is_word_start;

  bool is_special(int32_t id) const;
  // vocab_size <= number of specials, mask_id missing or out of range: usage_error.
  void validate() const;
};

// The masking view of a tokenizer: its five specials, vocabulary size and word starts. The
// tokenizer must outlive the result (is_word_start refers to it).
MaskingVocab masking_vocab(const Tokenizer& tokenizer);

struct MaskedSequence {
  std::vector<int32_t> input_ids;  // the tokens with the chosen positions corrupted
  std::vector<int32_t> positions;  // chosen positions, ascending
  std::vector<int32_t> labels;     // original token at each chosen position
};

// Candidates are all positions whose token is not special. The number predicted is
// min(max_predictions, max(1, round(candidates * mask_prob))) as in google-research/bert
// (0 when there is no candidate); with whole-word masking a word that would overshoot that
// number is skipped, so fewer may be chosen. Each chosen position independently becomes
// [MASK] with mask_token_frac, a uniformly drawn non-special token with random_token_frac,
// and stays unchanged otherwise. A token id outside [0, vocab_size) is an Error.
MaskedSequence mask_tokens(const std::vector<int32_t>& tokens, const MaskingPolicy& policy,
                           const MaskingVocab& vocab, data::SampleRng& rng);

}  // namespace ptk::text
