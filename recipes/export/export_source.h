// What an export reads from: a checkpoint (config::open_stored_checkpoint: which step, which
// recipe wrote it) or weights through init.from, and the model description: a ResNet's
// architecture and image geometry, or a BERT source (text/models/bert_source.h).
// Torch-free: it reads YAML and manifests only; the tensors are read where the models are built.
#pragma once

#include <cstdint>
#include <string>

#include "common/config/stored_config.h"
#include "text/models/bert_source.h"

namespace ptk::recipes {

struct ExportSource {
  std::string checkpoint_dir;  // the step_<N> directory; for init.from, the weights' path
  // init.from: the weights file or HF folder read instead of a checkpoint's model.pt ("" when
  // the source is a checkpoint).
  std::string weights_path;
  int64_t step = 0;
  config::RecipeKind kind = config::RecipeKind::kWsl;
  // wsl (model.arch, data.image_size, data.eval_resize of the stored config)
  std::string arch;
  int64_t image_size = 224;
  int64_t eval_resize = 0;
  // bert: architecture and tokenizer (export.tokenizer, else the run's).
  text::BertSource bert;
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

}  // namespace ptk::recipes
