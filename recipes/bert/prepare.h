// `ptk-bert prepare`: raw text -> tokenizer -> token shards. Trains a SentencePiece model on
// the inputs (or takes a given .model / WordPiece vocab.txt), then tokenizes, packs (BERT
// sentence pairs with NSP, or RoBERTa contiguous) and shards the corpus once per sequence length
// of the run's phases, into <out>/seq<L>/ with the tokenizer and its vocab.tsv beside the shards.
// The summary gives the most-frequent-token baseline of masked-LM accuracy. Deterministic for the
// same inputs and options.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config.h"

namespace ptk::recipes {

struct BertPrepareSummary {
  std::string tokenizer;  // the tokenizer file under out/
  bool trained_tokenizer = false;
  int32_t vocab_size = 0;
  std::vector<std::string> corpus;  // CorpusSummary paragraph per length
  std::vector<std::string> shard_dirs;
  std::string baseline_token;
  double baseline_share = 0;
  int64_t baseline_tokens = 0;
  double seconds = 0;
  // The one-paragraph summary printed at the end (and written to <out>/summary.txt).
  std::string text() const;
};

// Runs prepare from a config resolved against bert_prepare_schema() with prepare.lengths set.
// Runs in ptk-bert-prepare, a process without LibTorch (see text/pretraining/pretraining_vocab.h).
// Usage errors name the key; unreadable inputs name the file.
BertPrepareSummary run_bert_prepare(const config::Config& config);

}  // namespace ptk::recipes
