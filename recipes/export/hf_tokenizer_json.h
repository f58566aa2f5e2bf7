// `tokenizer.json`, the file HF tokenizers (and transformers' fast tokenizers, the ones
// AutoTokenizer, pipeline() and the training scripts use) load without converting a slow
// tokenizer, for a WordPiece vocabulary as the toolkit tokenizes with it: BERT's normaliser
// (control characters dropped, white space mapped to spaces, CJK ideographs isolated, lowercase
// + accents stripped when uncased), BERT's pre-tokeniser (white space and punctuation), greedy
// longest-match WordPiece with "##" continuations and words of more than 100 characters as
// [UNK], and the [CLS] A [SEP] B [SEP] template with token type ids 0 / 1. The five specials
// are added tokens, as HF's own BERT files list them. Torch-free.
#pragma once

#include <nlohmann/json.hpp>

#include "text/tokenizers/pretraining_vocab.h"

namespace ptk::recipes {

nlohmann::ordered_json wordpiece_tokenizer_json(const text::PretrainingVocab& vocab,
                                                bool lowercase);

}  // namespace ptk::recipes
