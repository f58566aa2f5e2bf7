// The checkpoint an export reads from: which step directory, which recipe wrote it, and the
// model description that recipe stored in the checkpoint's resolved config (state.yaml).
// Torch-free: it reads YAML and manifests only; the tensors are read where the models are built.
#pragma once

#include <cstdint>
#include <string>

#include "text/models/bert_config.h"

namespace ptk::recipes {

enum class RecipeKind { kWsl, kBert };

const char* to_string(RecipeKind kind);

struct ExportSource {
  std::string checkpoint_dir;  // the step_<N> directory; for init.from, the weights' path
  // init.from: the weights file or HF folder read instead of a checkpoint's model.pt ("" when
  // the source is a checkpoint).
  std::string weights_path;
  int64_t step = 0;
  RecipeKind kind = RecipeKind::kWsl;
  // wsl (model.arch, data.image_size, data.eval_resize of the stored config)
  std::string arch;
  int64_t image_size = 224;
  int64_t eval_resize = 0;
  // bert: the preset with the stored model.* overrides, as ptk-bert built it. vocab_size and
  // pad_token_id are filled from the checkpoint's tensors and the tokenizer when the model is
  // built.
  text::BertConfig bert;
  // bert: the tokenizer file (export.tokenizer, else the one the stored data.shards' manifest
  // lists); "" when none was found, with the reason in tokenizer_problem.
  std::string tokenizer_path;
  std::string tokenizer_problem;
  // bert: the tokenizer the run trained with (what its shard set lists), whatever
  // export.tokenizer says; "" when the set is not here, with the reason in run_tokenizer_problem.
  std::string run_tokenizer_path;
  std::string run_tokenizer_problem;
};

// `path` is a run directory (its newest complete checkpoint is used) or a step_<N> directory.
// The recipe is told by the stored config: model.arch means wsl, model.preset means bert.
// Throws ptk::Error naming the path or key when it is no checkpoint or the config says neither.
ExportSource open_export_source(const std::string& path, const std::string& tokenizer = "");

// init.from instead of a checkpoint: an HF BERT folder (config.json; its tokenizer, vocab.txt or
// a SentencePiece .model, unless `tokenizer` names one), or a .pth / .pt / .safetensors state
// dict of a ResNet with torchvision's keys, whose preset `arch` names (export.arch; required for
// a file). Errors name the path and the missing piece.
ExportSource open_weights_source(const std::string& path, const std::string& arch,
                                 const std::string& tokenizer = "");

// The tokenizer an HF folder carries: vocab.txt (WordPiece) or its first *.model
// (SentencePiece); "" when it has neither.
std::string hf_folder_tokenizer(const std::string& folder);

// tokenizer_path, or a ptk::Error saying why there is none and that export.tokenizer gives one.
const std::string& require_tokenizer(const ExportSource& source);

}  // namespace ptk::recipes
