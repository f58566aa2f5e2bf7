// Weights saved by HF transformers under this toolkit's BertForPreTraining names: a BertModel
// ("embeddings.*", "encoder.*", "pooler.*") gains the "bert." prefix; the MLM decoder weight
// (tied to the word embeddings, so not a parameter of its own here), HF's copy of the decoder
// bias and the position_ids buffer of older checkpoints are dropped. Other keys pass unchanged.
#pragma once

#include "common/io/state_dict.h"

namespace ptk::text {

io::StateDict from_hf_bert_keys(io::StateDict state);

}  // namespace ptk::text
