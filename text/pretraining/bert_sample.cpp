#include "text/pretraining/bert_sample.h"

#include <algorithm>

#include "common/base/error.h"

namespace ptk::text {

BertSample make_bert_sample(const data::RecordView& record, int64_t max_seq_length,
                            const MaskingPolicy& policy, const MaskingVocab& vocab,
                            data::SampleRng& rng) {
  const int64_t length = static_cast<int64_t>(record.tokens.size);
  if (length == 0) throw error("token record is empty");
  if (length > max_seq_length) {
    throw error(
        "token record has {} tokens, more than the phase's max_seq_length {} (prepare the shards "
        "at this length)",
        length, max_seq_length);
  }
  if (record.b_start != -1 && (record.b_start <= 0 || record.b_start >= length)) {
    throw error("token record of {} tokens has b_start {} (must be -1 or inside the sequence)",
                length, record.b_start);
  }
  if (record.nsp_label < -1 || record.nsp_label > 1) {
    throw error("token record has NSP label {} (must be -1, 0 or 1)",
                static_cast<int>(record.nsp_label));
  }
  const std::vector<int32_t> tokens(record.tokens.data, record.tokens.data + length);
  MaskedSequence masked = mask_tokens(tokens, policy, vocab, rng);
  BertSample sample;
  sample.input_ids = std::move(masked.input_ids);
  sample.masked_positions = std::move(masked.positions);
  sample.masked_labels = std::move(masked.labels);
  sample.token_types.assign(static_cast<size_t>(length), 0);
  if (record.b_start > 0) {
    std::fill(sample.token_types.begin() + record.b_start, sample.token_types.end(), 1);
  }
  sample.nsp_label = record.nsp_label;
  return sample;
}

MlmBaseline mlm_baseline(const data::ShardSet& shards, const MaskingVocab& vocab) {
  std::vector<int64_t> counts(static_cast<size_t>(vocab.vocab_size), 0);
  for (size_t s = 0; s < shards.num_shards(); ++s) {
    const auto shard = shards.shard(s);
    for (uint64_t i = 0; i < shard->num_records(); ++i) {
      const data::RecordView record = shard->record(i);
      for (size_t t = 0; t < record.tokens.size; ++t) {
        const int32_t id = record.tokens.data[t];
        if (id < 0 || id >= vocab.vocab_size) {
          throw error("{}: record {} has token id {} outside the tokenizer's vocabulary of {}",
                      shard->path(), i, id, vocab.vocab_size);
        }
        ++counts[static_cast<size_t>(id)];
      }
    }
  }
  return mlm_baseline(counts, vocab);
}

MlmBaseline mlm_baseline(const std::vector<int64_t>& counts, const MaskingVocab& vocab) {
  MlmBaseline baseline;
  int64_t best = -1;
  for (int32_t id = 0; id < vocab.vocab_size && static_cast<size_t>(id) < counts.size(); ++id) {
    if (vocab.is_special(id)) continue;
    baseline.tokens += counts[static_cast<size_t>(id)];
    if (counts[static_cast<size_t>(id)] > best) {
      best = counts[static_cast<size_t>(id)];
      baseline.token = id;
    }
  }
  if (baseline.tokens > 0) {
    baseline.share = static_cast<double>(best) / static_cast<double>(baseline.tokens);
  }
  return baseline;
}

}  // namespace ptk::text
