#include "text/masking/masking_policy.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/base/error.h"
#include "text/tokenizers/tokenizer.h"

namespace ptk::text {

void MaskingPolicy::validate() const {
  auto probability = [](double p, const char* name) {
    if (!(p >= 0.0 && p <= 1.0)) {
      throw usage_error("masking.{} must be in [0, 1], got {:.6f}", name, p);
    }
  };
  probability(mask_prob, "mask_prob");
  probability(mask_token_frac, "mask_token_frac");
  probability(random_token_frac, "random_token_frac");
  if (mask_token_frac + random_token_frac > 1.0 + 1e-12) {
    throw usage_error(
        "masking.mask_token_frac + masking.random_token_frac must be <= 1, got {:.6f}",
        mask_token_frac + random_token_frac);
  }
  if (max_predictions < 0) {
    throw usage_error("masking.max_predictions must be >= 0, got {}", max_predictions);
  }
}

bool MaskingVocab::is_special(int32_t id) const {
  return std::find(special_ids.begin(), special_ids.end(), id) != special_ids.end();
}

void MaskingVocab::validate() const {
  if (mask_id < 0 || mask_id >= vocab_size) {
    throw usage_error("masking: [MASK] id {} is outside the vocabulary of {}", mask_id, vocab_size);
  }
  if (!is_special(mask_id)) throw usage_error("masking: [MASK] id is not among the special ids");
  int32_t specials_in_range = 0;
  for (int32_t id : special_ids) specials_in_range += (id >= 0 && id < vocab_size) ? 1 : 0;
  if (specials_in_range >= vocab_size) {
    throw usage_error(
        "masking: vocabulary of {} has no non-special token to draw random replacements from",
        vocab_size);
  }
}

MaskingVocab masking_vocab(const Tokenizer& tokenizer) {
  const auto& ids = tokenizer.special_ids();
  MaskingVocab vocab;
  vocab.vocab_size = tokenizer.vocab_size();
  vocab.mask_id = ids.mask;
  vocab.special_ids = {ids.pad, ids.unk, ids.cls, ids.sep, ids.mask};
  vocab.is_word_start = [&tokenizer](int32_t id) { return tokenizer.is_word_start(id); };
  vocab.validate();
  return vocab;
}

namespace {

// A uniformly drawn non-special id. Rejection keeps it uniform; specials are a handful out of
// thousands, so the expected number of draws is barely above one.
int32_t random_token(const MaskingVocab& vocab, data::SampleRng& rng) {
  while (true) {
    const auto id = static_cast<int32_t>(rng.uniform_int(static_cast<uint64_t>(vocab.vocab_size)));
    if (!vocab.is_special(id)) return id;
  }
}

}  // namespace

MaskedSequence mask_tokens(const std::vector<int32_t>& tokens, const MaskingPolicy& policy,
                           const MaskingVocab& vocab, data::SampleRng& rng) {
  MaskedSequence out;
  out.input_ids = tokens;

  // Groups of candidate positions that are masked together: one position each, or one word
  // (a word start followed by its continuation pieces) with whole-word masking.
  std::vector<std::vector<int32_t>> groups;
  bool previous_candidate = false;
  int32_t candidates = 0;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const int32_t id = tokens[i];
    if (id < 0 || id >= vocab.vocab_size) {
      throw error("masking: token id {} at position {} is outside the vocabulary of {}", id, i,
                  vocab.vocab_size);
    }
    if (vocab.is_special(id)) {
      previous_candidate = false;
      continue;
    }
    ++candidates;
    const bool continues_word =
        policy.whole_word && previous_candidate && vocab.is_word_start && !vocab.is_word_start(id);
    if (continues_word) {
      groups.back().push_back(static_cast<int32_t>(i));
    } else {
      groups.push_back({static_cast<int32_t>(i)});
    }
    previous_candidate = true;
  }
  if (candidates == 0 || policy.max_predictions == 0) return out;

  const auto wanted = static_cast<int32_t>(std::lround(candidates * policy.mask_prob));
  const int32_t num_to_predict = std::min(policy.max_predictions, std::max<int32_t>(1, wanted));

  // Fisher-Yates over the groups, then take them in order until the budget is met.
  for (size_t i = groups.size(); i > 1; --i) {
    std::swap(groups[i - 1], groups[rng.uniform_int(i)]);
  }
  std::vector<int32_t> chosen;
  for (const auto& group : groups) {
    if (static_cast<int32_t>(chosen.size()) >= num_to_predict) break;
    if (static_cast<int32_t>(chosen.size() + group.size()) > num_to_predict) continue;
    chosen.insert(chosen.end(), group.begin(), group.end());
  }
  std::sort(chosen.begin(), chosen.end());

  out.positions = chosen;
  out.labels.reserve(chosen.size());
  for (int32_t position : chosen) {
    out.labels.push_back(tokens[position]);
    const double u = rng.uniform_double();
    if (u < policy.mask_token_frac) {
      out.input_ids[position] = vocab.mask_id;
    } else if (u < policy.mask_token_frac + policy.random_token_frac) {
      out.input_ids[position] = random_token(vocab, rng);
    }
  }
  return out;
}

}  // namespace ptk::text
