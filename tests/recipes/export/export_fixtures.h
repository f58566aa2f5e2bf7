// Checkpoints for the ptk-export tests, built through the library exactly as the recipes lay
// them out (write_checkpoint with a resolved config in state.yaml), so a test needs no
// training run: a ResNet as ptk-wsl stores it and a BERT as ptk-bert stores it, with a
// WordPiece vocabulary. Also the ptk-export runner.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "text/models/bert_config.h"

namespace ptk::testing {

// Writes <run_dir>/checkpoints/step_2 of a ResNet preset `arch` with `classes` outputs and
// randomised BN statistics; the stored config has model.arch and data.image_size.
void write_wsl_checkpoint(const std::string& run_dir, const std::string& arch, int64_t classes,
                          int64_t image_size);

// Writes a WordPiece vocab.txt with the five specials and `words` words; returns its size.
int64_t write_wordpiece_vocab(const std::string& path, int words);

// Writes an uncased WordPiece vocab.txt in which most text has pieces (letters, digits and
// punctuation, alone and as "##" continuations, some words, CJK, Arabic and Hebrew letters);
// returns its size.
int64_t write_rich_vocab(const std::string& path);

// Writes a text file of hard cases for tokenizers, one a line: quotes of every kind (`` and ''
// too), control and zero-width characters, combining marks, CJK, emoji, right-to-left scripts,
// words past WordPiece's 100 characters, odd white space, capitals. No literal special token.
void write_hard_text(const std::string& path);

// bert-tiny with 32 hidden, 64 FFN, 64 positions and `vocab_size` tokens ([PAD] = 0).
text::BertConfig tiny_bert_config(int64_t vocab_size);

// Writes <run_dir>/checkpoints/step_2 of a bert-tiny-shaped BertForPreTraining (2 layers,
// 32 hidden, 2 heads, 64 positions) for `vocab_size` tokens with [PAD] = 0 and weights away from
// their initial values; data.shards names `shards`.
void write_bert_checkpoint(const std::string& run_dir, int64_t vocab_size,
                           const std::string& shards = "");

// Runs build/ptk-export with `args`; returns the exit code and puts the output in *output.
int run_export(const std::vector<std::string>& args, const std::string& log, std::string* output);

}  // namespace ptk::testing
