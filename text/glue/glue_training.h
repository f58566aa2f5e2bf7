// One run of the GLUE sweep, trained by the shared Trainer: AdamW without weight decay on biases
// and LayerNorm weights (as HF and the BERT paper), linear warmup over the first
// warmup_fraction of the steps then linear decay to 0, global-norm clip 1.0, bf16 autocast on
// CUDA, non-finite steps skipped. Epochs of full batches, each a fresh keyed permutation of the
// training rows (the rows left over after the last full batch wait for the next epoch's order).
// No run directory: a sweep run writes no files.
#pragma once

#include <cstdint>
#include <vector>

#include "common/train/trainer.h"
#include "text/glue/glue_encoding.h"
#include "text/glue/glue_finetune.h"
#include "text/models/bert_heads.h"

namespace ptk::text::glue {

// Trains `model` in place on `train` at peak learning rate `lr` with the options' batch,
// epochs, warmup, weight decay, seed and device. `pad` fills short rows; `regression` picks
// STS-B's loss.
train::TrainResult train_glue_model(BertForSequenceClassification& model,
                                    const std::vector<EncodedExample>& train, double lr,
                                    const GlueFinetuneOptions& options, int64_t pad,
                                    bool regression);

}  // namespace ptk::text::glue
