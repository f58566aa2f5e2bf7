// `tokenizer.json`, the file HF tokenizers (and transformers' fast tokenizers, the ones
// AutoTokenizer, pipeline() and the training scripts use) load without converting a slow
// tokenizer, for the tokenizers the toolkit trains or loads, as it tokenizes with them. Both
// have the [CLS] A [SEP] B [SEP] template with token type ids 0 / 1 and the five specials as
// added tokens, as HF's own BERT files list them. Torch-free.
//  - WordPiece: BERT's normaliser (control characters dropped, white space mapped to spaces, CJK
//    ideographs isolated, lowercase + accents stripped when uncased), BERT's pre-tokeniser
//    (white space and punctuation), greedy longest-match WordPiece with "##" continuations and
//    words of more than 100 characters as [UNK].
//  - SentencePiece unigram: the model's own normaliser (its precompiled character map), then
//    SentencePiece's white space rules (trimmed, runs of spaces made one, U+2581 for a space,
//    one before the text), then the unigram model with the pieces' scores (byte fallback when
//    the model has byte pieces).
//  - SentencePiece BPE: the same normaliser, then BPE with the model's pieces and the merges
//    derived from them (a model file stores no merges), consecutive unknowns fused into one.
#pragma once

#include <nlohmann/json.hpp>

#include "text/tokenizers/pretraining_vocab.h"
#include "text/tokenizers/sentencepiece_model_file.h"

namespace ptk::recipes {

nlohmann::ordered_json wordpiece_tokenizer_json(const text::PretrainingVocab& vocab,
                                                bool lowercase);

// `model` must be a unigram model (SentencePieceModelFile::unigram); `vocab` names its specials.
nlohmann::ordered_json unigram_tokenizer_json(const text::SentencePieceModelFile& model,
                                              const text::PretrainingVocab& vocab);

// `model` must be a BPE model.
nlohmann::ordered_json bpe_tokenizer_json(const text::SentencePieceModelFile& model,
                                          const text::PretrainingVocab& vocab);

}  // namespace ptk::recipes
