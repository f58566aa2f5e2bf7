// The stages of `ptk-bert prepare` (raw text -> tokenizer -> token shards per phase length), each
// run by ptk-bert-prepare in a process without LibTorch (the process split) on one rank
// of the job (rank and world from the launcher's environment, as ptk-bert's own):
//   sample     every rank, its parts: each part's prepare.tokenizer_sample_sentences sentences
//              with the smallest keys (text/corpus/sentence_sample.h), saved with a marker
//   tokenizer  rank 0: merges the parts' samples into the job's sample and trains SentencePiece
//              on it (or copies prepare.tokenizer)
//   pack       every rank, its parts: read, tokenize and pack each part on its own into
//              seq<L>/part-NNNNN-*.h5 for every length, one marker per part and length
//   finish     rank 0: each length's manifest.yaml (all parts' shards, in part order), the
//              tokenizer and vocab.tsv beside them, the MLM baseline, summary.txt; commit
// Work happens in <prepare.out>.partial (io::ResumableDirectory) and a unit with a marker is not
// redone, so a killed job run again finishes with the same bytes. The output is a pure function
// of the inputs and the config: never of ranks or threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config.h"

namespace ptk::recipes {

struct BertPrepareSummary {
  std::string tokenizer;  // the tokenizer file under out/
  bool trained_tokenizer = false;
  std::string tokenizer_sample;  // "N of M sentences" when trained
  int32_t vocab_size = 0;
  std::vector<std::string> corpus;  // CorpusSummary paragraph per length
  std::vector<std::string> shard_dirs;
  std::string baseline_token;
  double baseline_share = 0;
  int64_t baseline_tokens = 0;
  double seconds = 0;  // < 0: unknown
  // The one-paragraph summary printed at the end (and written to <out>/summary.txt).
  std::string text() const;
};

enum class PrepareStage { kSample, kTokenizer, kPack, kFinish };

// "sample", "tokenizer", "pack", "finish"; anything else is a usage_error.
PrepareStage parse_prepare_stage(const std::string& name);
const char* to_string(PrepareStage stage);
// The stage names, as ptk-bert-prepare's verbs.
std::vector<std::string> prepare_stage_names();

// Runs one stage for this process's rank on a config resolved against bert_prepare_schema()
// with prepare.lengths set, in a job folder that ptk-bert created. Usage errors name the key,
// unreadable inputs the file, a failed part the part. Returns the summary after `finish`.
BertPrepareSummary run_bert_prepare_stage(const config::Config& config, PrepareStage stage);

}  // namespace ptk::recipes
