// `ptk-export weights`: a checkpoint's model in the formats other tools load.
//   wsl  -> model.pth (torch.load + torchvision ResNet.load_state_dict(strict=True)) or
//           model.safetensors with the same keys; with or without the hashtag head fc.*.
//   bert -> an HF folder (config.json, model.safetensors, tokenizer files) that
//           BertModel / BertForMaskedLM / BertForPreTraining.from_pretrained load, or a bare
//           model.safetensors with the toolkit's keys.
// Every export also writes export_info.json (recipe, step, shapes, how to load it).
#pragma once

#include <string>

#include "recipes/export/export_options.h"

namespace ptk::recipes {

// Exports as configured; returns the one-paragraph summary (what was read and written where).
// Errors name the checkpoint, file or key.
std::string run_weights_export(const ExportOptions& options);

}  // namespace ptk::recipes
