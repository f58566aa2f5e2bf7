// The keys of `ptk-bert prepare` and how ptk-bert hands them to ptk-bert-prepare. Preparing runs
// in its own process because SentencePiece (tokenizer training) and LibTorch (training) bring
// two incompatible protobuf runtimes that crash a process holding both; this unit links neither.
#pragma once

#include "common/config/config.h"

namespace ptk::recipes {

// prepare.* keys with defaults and help.
config::Schema bert_prepare_schema();

// The prepare.* values of a resolved recipe config, with prepare.lengths filled in from the
// phases when it is empty: the whole input of ptk-bert-prepare.
config::Config prepare_tool_config(const config::Config& config);

// Writes prepare_tool_config(config) to <prepare.out>/prepare.yaml and replaces this process
// with `ptk-bert-prepare --config <that file>` from ptk-bert's directory. Returns only by
// throwing: UsageError for a missing prepare.inputs / prepare.out, Error when the binary is
// missing or cannot be run.
[[noreturn]] void exec_bert_prepare(const config::Config& config);

}  // namespace ptk::recipes
