// The keys of `ptk-bert prepare` and the resolved form ptk-bert hands to ptk-bert-prepare.
// Preparing (SentencePiece) runs in processes of its own, apart from ptk-bert (LibTorch: training,
// and the c10d group that joins the ranks of a prepare): the process split,
// text/tokenizers/tokenizer_process.h. This unit links neither.
#pragma once

#include "common/config/config.h"

namespace ptk::recipes {

// prepare.* keys with defaults and help.
config::Schema bert_prepare_schema();

// The prepare.* values of a resolved recipe config, with prepare.lengths filled in from the
// phases when it is empty: the whole input of ptk-bert-prepare.
config::Config prepare_tool_config(const config::Config& config);

}  // namespace ptk::recipes
