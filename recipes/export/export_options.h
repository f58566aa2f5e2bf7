// What `ptk-export` is asked to do: the export.* and features.* keys (schema, defaults, help) and
// their validated values. Torch-free, so --help and config errors cost no LibTorch.
#pragma once

#include <cstdint>
#include <string>

#include "common/config/config.h"

namespace ptk::recipes {

enum class ExportFormat { kAuto, kTorchvision, kSafetensors, kHf };
enum class TextPooling { kMean, kPooled };

struct ExportOptions {
  std::string checkpoint;  // export.checkpoint: a run directory or one step_<N> directory
  std::string out;         // export.out: output folder (weights) or HDF5 file (features)
  ExportFormat format = ExportFormat::kAuto;  // auto: torchvision for wsl, hf for bert
  bool head = true;                           // export.head: keep the wsl hashtag head (fc.*)
  std::string tokenizer;  // export.tokenizer: "" = the one the checkpoint's shards list
  bool allow_other_tokenizer = false;  // export.allow_other_tokenizer
  bool reference_logits = false;  // export.reference_logits: write reference_logits.safetensors
};

struct FeatureOptions {
  std::string init_from;  // init.from: weights file / HF folder instead of export.checkpoint
  std::string arch;       // export.arch: the ResNet preset of an init.from weights file
  std::string input;      // features.input: image folder (wsl) or text file, one item a line (bert)
  int64_t batch = 32;
  int64_t threads = 4;  // decode threads and LibTorch intra-op threads
  TextPooling pooling = TextPooling::kMean;
  int64_t max_length = 128;  // tokens per line including [CLS] and [SEP]; longer lines cut
  int64_t image_size = 0;    // crop side; 0 = the checkpoint's data.image_size
  int64_t resize = 0;        // shorter side before the crop; 0 = image_size * 256 / 224
};

// Every key of both verbs (one config file may describe both).
config::Schema export_schema();
// Only the keys a verb reads, for `ptk-export <verb> --help`.
config::Schema weights_schema();
config::Schema features_schema();

// Read and validate; a bad or missing value is a usage_error naming the key.
ExportOptions export_options(const config::Config& config);
FeatureOptions feature_options(const config::Config& config);

}  // namespace ptk::recipes
