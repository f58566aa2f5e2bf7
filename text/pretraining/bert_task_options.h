// What a BertTask is built from: the model shape (a preset with optional overrides), the token
// shard set, the phase's sequence length and the masking policy, read from the `model.*`,
// `data.*` and `masking.*` config keys (bert_task_schema). Torch-free, so tools can list and
// check the keys without LibTorch.
#pragma once

#include <cstdint>
#include <string>

#include "common/config/config.h"
#include "text/masking/masking_policy.h"
#include "text/models/bert_config.h"

namespace ptk::text {

struct BertTaskOptions {
  // model.*: the preset, then any override that is set (> 0, or >= 0 for dropout).
  BertConfig model;              // vocab_size is replaced by the tokenizer's at task construction
  std::string shards;            // a token shard set directory (resolved by the recipe per phase)
  int64_t max_seq_length = 128;  // pad length of every batch; records must not be longer
  MaskingPolicy masking;
  int64_t threads = 1;  // data.threads: decode (masking) threads per rank
  uint64_t seed = 0;    // train.seed: epoch order and masks
};

// model.*, data.*, masking.* with defaults and help.
config::Schema bert_task_schema();

// Reads and validates those keys (and train.seed); a bad value is a usage_error naming the key.
// data.shards may be empty here: the recipe fills it per phase.
BertTaskOptions bert_task_options(const config::Config& config);

}  // namespace ptk::text
