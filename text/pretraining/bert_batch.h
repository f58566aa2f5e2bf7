// Collation of BertSamples into the tensors of one micro-batch, padded to the phase's fixed
// length: the layout BertTask::compute_loss reads. Positions past a sample's tokens are [PAD]
// with attention mask 0 and token type 0; masked positions are flattened to b * T + t, the
// form BertForPreTraining::forward takes, so the vocabulary projection runs only there.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "common/train/task.h"
#include "text/pretraining/bert_sample.h"

namespace ptk::text {

// Fields (all int64): "input_ids" [B, T], "token_type_ids" [B, T], "attention_mask" [B, T]
// (1 = token, 0 = padding), "masked_positions" [N] (flat b * T + t, batch-major, ascending),
// "masked_labels" [N], "nsp_labels" [B] (-1 = no NSP target). A sample longer than `length`
// is a ptk::Error.
train::Batch collate_bert(const std::vector<BertSample>& samples, int64_t length, int32_t pad_id);

}  // namespace ptk::text
