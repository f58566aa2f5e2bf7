// The frozen network an evaluation reads features from: a checkpoint's ResNet/ResNeXt without
// its head, the same architecture at random init (the baseline a pretrained backbone must beat),
// or the identity on pixels. `identity` names exactly which weights these are (architecture and
// a hash of the weight file, or the init seed), so cached features can be keyed by it.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <memory>
#include <string>

#include "vision/eval/imagenet_eval_options.h"

namespace ptk::vision {

class ResNetImpl;

struct Backbone {
  BackboneInit init = BackboneInit::kPixels;
  std::string arch;                   // "" for pixels
  std::string weights_file;           // model.pt / .safetensors read; "" unless a checkpoint
  std::string identity;               // what the features depend on, for the cache key
  int64_t in_channels = 3;            // channels the network takes (pixels: any)
  std::shared_ptr<ResNetImpl> model;  // headless (num_classes 0); null for pixels

  // [N, C, H, W] -> [N, D] in eval mode without autograd: pooled features, or the flattened
  // pixels for the identity backbone.
  at::Tensor features(const at::Tensor& images) const;
};

// Where a checkpoint's weights and config live: `path` may be a run directory (its newest
// complete checkpoint), a checkpoint directory (model.pt + state.yaml), or a .pt / .safetensors
// file. Returns the weight file; `config_yaml` receives the checkpoint's resolved config ("" for
// a bare weight file). ptk::Error naming the path (and the key, <section>.checkpoint) when there
// is nothing to read.
std::string resolve_checkpoint_weights(const std::string& path, std::string* config_yaml,
                                       const std::string& section = "eval");

// Builds the backbone eval.init asks for (see ImageNetEvalOptions): reads the architecture from
// eval.arch or the checkpoint's model.arch, drops the head (fc.*) and loads the rest strictly.
// Random init is seeded with eval.seed. Errors name the file or key.
// `section` names the keys the options were read from in errors: eval.arch, dedup.arch, ...
Backbone load_backbone(const ImageNetEvalOptions& options, const std::string& section = "eval");

// The device `device` names (cpu | cuda | cuda:N); a usage_error naming `key` when it names none
// or when this LibTorch has no usable CUDA.
c10::Device backbone_device(const std::string& key, const std::string& device);

}  // namespace ptk::vision
