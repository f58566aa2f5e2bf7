// One BERT pretraining example as the loader decodes it from a token shard record: dynamic
// 80/10/10 masking (text/masking) drawn from the sample's counter RNG, token types from the
// record's b_start, the masked positions and their original tokens, and the NSP label.
// Torch-free and a pure function of (record, policy, rng), so masks are resume-exact.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/data/philox.h"
#include "common/data/shard_format.h"
#include "common/data/shard_reader.h"
#include "text/masking/masking_policy.h"

namespace ptk::text {

struct BertSample {
  std::vector<int32_t> input_ids;         // the record's tokens, masked; unpadded
  std::vector<int32_t> token_types;       // 0 for [CLS] A [SEP], 1 from b_start on
  std::vector<int32_t> masked_positions;  // ascending positions in input_ids
  std::vector<int32_t> masked_labels;     // original token at each masked position
  int8_t nsp_label = -1;                  // 0 actual next, 1 random next, -1 none (no NSP)
};

// Decodes and masks one token record. A record longer than `max_seq_length`, a b_start
// outside (0, length) other than -1, or an NSP label other than -1/0/1 is a ptk::Error (the
// loader then substitutes the record and reports it).
BertSample make_bert_sample(const data::RecordView& record, int64_t max_seq_length,
                            const MaskingPolicy& policy, const MaskingVocab& vocab,
                            data::SampleRng& rng);

// The most-frequent-token baseline of masked-LM accuracy: masked positions are drawn uniformly
// from the non-special tokens, so always predicting the most frequent non-special token is
// right `share` of the time. Any model worth training must beat it.
struct MlmBaseline {
  int32_t token = -1;  // most frequent non-special token id
  double share = 0;    // its share of the non-special tokens
  int64_t tokens = 0;  // non-special tokens counted
};

// Counts every record of `shards` (a token shard set). Ids outside the vocabulary are an Error
// naming the shard and record.
MlmBaseline mlm_baseline(const data::ShardSet& shards, const MaskingVocab& vocab);
// The same from token counts indexed by id (ids past the end count 0), e.g. counts a
// preparation job kept per part so that it never has to read its shards again.
MlmBaseline mlm_baseline(const std::vector<int64_t>& counts, const MaskingVocab& vocab);

}  // namespace ptk::text
