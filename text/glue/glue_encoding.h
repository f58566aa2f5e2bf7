// GLUE rows as the model reads them: each example tokenized (in ptk-tokenize) and packed as
// [CLS] a [SEP] (b [SEP]) within the length budget, and micro-batches of such examples as
// padded tensors.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/train/task.h"
#include "text/glue/glue_reader.h"
#include "text/tokenizers/tokenizer.h"
#include "text/tokenizers/tokenizer_process.h"

namespace ptk::text::glue {

// One example as the model reads it.
struct EncodedExample {
  std::vector<int64_t> ids, types;
  int label = -1;
  double target = 0;
};

struct EncodedSplit {
  std::string split;
  std::vector<EncodedExample> examples;
  GlueSplit source;
};

// Tokenizes `split` (its first `limit` examples when limit > 0) and packs each example within
// max_length, the longer side cut first (as BERT's _truncate_seq_pair).
EncodedSplit encode_split(GlueSplit split, const TokenizerProcess& tokenizer,
                          const SpecialIds& specials, int64_t max_length, int64_t limit);

// The examples at `indices` as a micro-batch on the CPU: "input_ids", "token_type_ids" and
// "attention_mask" [n, longest], padded with `pad`, and "labels" [n] (float targets when
// `regression`, class ids otherwise).
train::Batch make_glue_batch(const std::vector<EncodedExample>& examples,
                             const std::vector<int64_t>& indices, int64_t pad, bool regression);

}  // namespace ptk::text::glue
