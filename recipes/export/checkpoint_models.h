// The models of a checkpoint, rebuilt in eval mode with the checkpoint's weights loaded strictly,
// plus the fixed inputs that reference outputs are computed on (the same in every export, so a
// parity check in another framework needs nothing but the exported files).
#pragma once

#include <ATen/core/Tensor.h>

#include <memory>

#include "common/io/state_dict.h"
#include "recipes/export/export_source.h"

namespace ptk::text {
class BertForPreTrainingImpl;
struct PretrainingVocab;
}  // namespace ptk::text

namespace ptk::vision {
class ResNetImpl;
}  // namespace ptk::vision

namespace ptk::recipes {

// The source's weights: the checkpoint's model.pt, or the init.from file / HF folder (HF keys
// renamed to this toolkit's).
io::StateDict source_weights(const ExportSource& source);

// model.arch's preset with num_classes from the stored fc.weight (the hashtag vocabulary size).
// Weights without fc.* (a headless export) load into the backbone, the head left initial.
std::shared_ptr<vision::ResNetImpl> load_resnet(const ExportSource& source,
                                                const io::StateDict& state);

// The stored BERT config with vocab_size from the word embeddings and pad_token_id from
// `vocab` (0 when null). Throws when the tokenizer's vocabulary has another size.
std::shared_ptr<text::BertForPreTrainingImpl> load_bert(const ExportSource& source,
                                                        const io::StateDict& state,
                                                        const text::PretrainingVocab* vocab);

// The vocabulary facts of the export's tokenizer (through ptk-tokenize). When export.tokenizer
// names another tokenizer than the run trained with (a different content hash), that is a
// usage_error naming both, unless `allow_other`; when the run's tokenizer is not here to compare
// with, a warning says so.
text::PretrainingVocab export_vocab(const ExportSource& source, bool allow_other);

// A deterministic batch of 2 images [2, 3, size, size] with values in about [-2, 2].
at::Tensor reference_images(int64_t size);
// Deterministic input_ids [2, T] (ids in [0, vocab)), token_type_ids (second half of each row 1)
// and attention_mask (the last 3 tokens of row 1 are padding), T = min(16, max_positions).
struct ReferenceTokens {
  at::Tensor input_ids, token_type_ids, attention_mask;
};
ReferenceTokens reference_tokens(int64_t vocab_size, int64_t max_positions);

}  // namespace ptk::recipes
