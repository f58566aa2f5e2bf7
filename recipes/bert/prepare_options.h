// The keys of `ptk-bert prepare` and the resolved form ptk-bert hands to ptk-bert-prepare.
// Preparing runs in processes of its own because SentencePiece (tokenizer training) and LibTorch
// (training, and the c10d group that joins the ranks of a prepare) bring two incompatible
// protobuf runtimes that crash a process holding both; this unit links neither.
#pragma once

#include "common/config/config.h"

namespace ptk::recipes {

// prepare.* keys with defaults and help.
config::Schema bert_prepare_schema();

// The prepare.* values of a resolved recipe config, with prepare.lengths filled in from the
// phases when it is empty: the whole input of ptk-bert-prepare.
config::Config prepare_tool_config(const config::Config& config);

}  // namespace ptk::recipes
