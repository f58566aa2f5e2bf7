// `init.from`: start a run from existing weights — a torchvision-style `.pth` / `.pt` state
// dict, a `.safetensors` file, or an HF model folder — instead of a fresh initialisation.
// Every difference between the file and the model is reported at once, so a user fixes them
// in one go; nothing is loaded unless everything fits.
#pragma once

#include <string>
#include <vector>

#include "common/io/state_dict.h"

namespace torch::nn {
class Module;
}  // namespace torch::nn

namespace ptk::train {

// The tensors of `path`: a .safetensors file; a .pth / .pt / .bin pickle of a dict of tensors;
// or a folder holding model.safetensors (HF) or, failing that, pytorch_model.bin. Errors name
// the path and say which forms are accepted.
io::StateDict read_weight_file(const std::string& path);

struct ImportSummary {
  size_t loaded = 0;                      // tensors copied into the model
  std::vector<std::string> kept_initial;  // model keys under an init.exclude prefix
  std::vector<std::string> ignored;       // file keys under an init.exclude prefix
};

// Copies `state` into `module` by name. Keys starting with one of `exclude` (e.g. "fc." to keep
// a new head) are skipped on both sides. Any other key the model has and the file lacks, any
// key the file has and the model lacks, and any shape difference are listed together in one
// ptk::Error that names `origin`; the module is then untouched.
ImportSummary import_weights(torch::nn::Module& module, const io::StateDict& state,
                             const std::vector<std::string>& exclude, const std::string& origin);

}  // namespace ptk::train
