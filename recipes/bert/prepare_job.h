// What a `ptk-bert prepare` job is, as every process of it sees it: the checked prepare.* keys,
// the input parts (fixed by the input and prepare.parts alone), the job folder and the
// fingerprint that a resumed job must match. The coordinator (ptk-bert, on every rank) and each
// stage process (ptk-bert-prepare) derive it from the same resolved config, so they agree
// without talking. Torch- and SentencePiece-free.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/config/config.h"
#include "common/data/input_parts.h"
#include "recipes/bert/prepare_options.h"

namespace ptk::recipes {

// prepare.parts = 0: one part per this many bytes of input (and at least one per file).
inline constexpr uint64_t kAutoPartBytes = 64ull << 20;

struct BertPrepareJob {
  config::Config config;       // the resolved prepare.* keys
  BertPrepareOptions options;  // the same, checked
  std::vector<data::InputPart> plan;
  std::string tokenizer_file;  // its name in the output: tokenizer.model, or the given file's
  bool train_tokenizer = true;
  std::string fingerprint;  // the options and input sizes the output depends on

  // <prepare.out>.partial: the job folder (io::ResumableDirectory) until the job commits.
  std::string partial() const;
  // <partial>/prepare.yaml: the config the stage processes read.
  std::string config_path() const;
  // The position of `file` in prepare.inputs (the sample's file number).
  uint32_t file_index(const std::string& file) const;
};

// Checks the keys (usage_error naming the key), sizes the inputs (an Error naming a missing
// one) and plans the parts.
BertPrepareJob read_bert_prepare_job(const config::Config& config);

// The threads of one rank: prepare.threads, or this machine's cores shared among
// `local_world` ranks when it is 0.
int prepare_threads(const BertPrepareOptions& options, int local_world);

// Marker names under <partial>/done/.
std::string sample_marker(const data::InputPart& part);
std::string pack_marker(int64_t length, const data::InputPart& part);
inline constexpr char kTokenizerMarker[] = "tokenizer";

// The environment variable through which ptk-bert passes the start of this attempt (seconds
// since the epoch) to the finish stage, for the time in the summary.
inline constexpr char kPrepareStartedVariable[] = "PTK_BERT_PREPARE_STARTED";

}  // namespace ptk::recipes
