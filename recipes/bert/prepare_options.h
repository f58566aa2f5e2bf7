// The keys of `ptk-bert prepare` and the resolved form ptk-bert hands to ptk-bert-prepare.
// Preparing (SentencePiece) runs in processes of its own, apart from ptk-bert (LibTorch: training,
// and the c10d group that joins the ranks of a prepare): the process split,
// text/tokenizers/tokenizer_process.h. This unit links neither.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config.h"

namespace ptk::recipes {

// The prepare.* keys, each declared once in prepare_options.cpp with its help and checks.
struct BertPrepareOptions {
  std::vector<std::string> inputs;
  std::string format = "sentence_per_line";
  std::string out;
  std::string tokenizer;
  int64_t vocab_size = 30522;
  std::string model_type = "unigram";
  double character_coverage = 0.9995;
  int64_t tokenizer_sample_sentences = 1000000;
  int64_t tokenizer_threads = 4;
  std::string packing = "classic";
  double short_seq_prob = 0.1;
  double random_next_prob = 0.5;
  int64_t dupe_factor = 1;
  int64_t seed = 12345;
  int64_t threads = 0;
  int64_t parts = 0;
  int64_t timeout_s = 24 * 3600;
  int64_t shard_bytes = int64_t{64} << 20;
  std::vector<int64_t> lengths;
};

// prepare.* keys with defaults and help.
config::Schema bert_prepare_schema();

// The checked prepare.* values of a config resolved against bert_prepare_schema(); a usage_error
// names the first key that is not valid.
BertPrepareOptions read_bert_prepare_options(const config::Config& config);

// The prepare.* values of a resolved recipe config, with prepare.lengths filled in from the
// phases when it is empty: the whole input of ptk-bert-prepare.
config::Config prepare_tool_config(const config::Config& config);

}  // namespace ptk::recipes
